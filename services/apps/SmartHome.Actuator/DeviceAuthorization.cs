using System.Collections.Concurrent;
using SmartHome.Messaging;
using SmartHome.Security;
using RejectReasons = SmartHome.Messaging.RejectReasons;

namespace SmartHome.Actuator;

/// <summary>
/// Decides whether an authenticated sender may make the actuator act on a reading: the sender is in the device
/// registry, the reading is of the sender's registered kind, its value is plausible for that kind, and the sender is
/// within its registered reading rate. Authenticated is not authorized: a stolen smart-plug key must not open the door.
/// </summary>
public sealed class DeviceAuthorization(DeviceRegistry registry, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, TokenBucket> _rates = new(StringComparer.Ordinal);

    public DeviceRegistry Registry => registry;

    /// <summary>
    /// Null when <paramref name="senderId"/> may send <paramref name="reading"/> now (and one unit of its rate is spent);
    /// otherwise the reject reason and a sentence that says why. Cheapest first; the rate is spent last, so a reading
    /// that fails another check does not use up the device's budget.
    /// </summary>
    public (string Reason, string Detail)? Check(string senderId, DeviceReading reading)
    {
        if (!registry.TryGet(senderId, out var profile))
        {
            return (RejectReasons.UnknownSender, $"'{senderId}' is not in the device registry");
        }

        var kind = KindName(reading.Kind);
        if (!string.Equals(kind, profile.Kind, StringComparison.Ordinal))
        {
            return (RejectReasons.NotPermitted, $"'{senderId}' is registered as a {profile.Kind} device, not {kind}");
        }

        if (profile.Implausibility(reading.Value) is { } implausible)
        {
            return (RejectReasons.Implausible, implausible);
        }

        var bucket = _rates.GetOrAdd(senderId, static (_, p) => new TokenBucket(p.MaxReadingsPerSecond), profile);
        return bucket.TryTake(clock.GetTimestamp(), clock.TimestampFrequency)
            ? null
            : (RejectReasons.RateLimited, $"'{senderId}' sends more than its registered {profile.MaxReadingsPerSecond:0.##} readings/s");
    }

    /// <summary>The kind's name on the wire and in the registry (one mapping, the reading's own).</summary>
    public static string KindName(DeviceKind kind) => DeviceKindJsonConverter.Name(kind);

    /// <summary>Refills at the registered rate; holds one second's worth, so a device may burst that much after a pause.</summary>
    private sealed class TokenBucket(double perSecond)
    {
        private readonly Lock _gate = new();
        private readonly double _capacity = Math.Max(1, perSecond);
        private double _tokens = Math.Max(1, perSecond);
        private long _last;

        public bool TryTake(long now, long frequency)
        {
            lock (_gate)
            {
                if (_last != 0)
                {
                    _tokens = Math.Min(_capacity, _tokens + (now - _last) * perSecond / frequency);
                }

                _last = now;
                if (_tokens < 1)
                {
                    return false;
                }

                _tokens -= 1;
                return true;
            }
        }
    }
}
