namespace SmartHome.Sensor;

/// <summary>
/// Decides when a device's retransmission first starts a new session key. A reading is retransmitted because no
/// acknowledgement came; one cause is an actuator that never had the key the reading was sealed under: its announcement
/// taken by a broker that then crashed before delivering or saving it, or retained but older than the freshness window
/// when the actuator subscribed (refused as stale). The readings are retransmitted, the announcement is not, so without
/// a new key every retransmission would be refused as <c>unknown-key</c> until the next rotation.
/// Renewing costs one announcement; the wait between two renewals of a device starts at the outbox's first retry delay
/// and doubles up to its longest (an actuator that is down for an hour is not sent an announcement every 2 s), and an
/// accepted acknowledgement of the device brings it back to the shortest.
/// </summary>
public sealed class SessionRenewal(OutboxOptions options, TimeProvider clock)
{
    private readonly Dictionary<string, DeviceRenewal> _devices = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly TimeSpan _shortestWait = TimeSpan.FromSeconds(options.RetryInitialSeconds);
    private readonly TimeSpan _longestWait = TimeSpan.FromSeconds(options.RetryMaxSeconds);

    /// <summary>
    /// Called before a retransmission of <paramref name="deviceId"/>'s reading: true when that retransmission should start a
    /// new session key (and the renewal is counted as done now).
    /// </summary>
    public bool ShouldRenewBeforeRetransmission(string deviceId)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            if (_devices.TryGetValue(deviceId, out var device) && now - device.LastRenewal < device.Wait)
            {
                return false;
            }

            var wait = device is null ? _shortestWait : Min(device.Wait * 2, _longestWait);
            _devices[deviceId] = new DeviceRenewal(now, wait);
            return true;
        }
    }

    /// <summary>An acknowledgement of <paramref name="deviceId"/> was accepted: the actuator hears it; the next renewal may come soon.</summary>
    public void Acknowledged(string deviceId)
    {
        lock (_gate)
        {
            if (_devices.TryGetValue(deviceId, out var device))
            {
                _devices[deviceId] = device with { Wait = _shortestWait };
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private sealed record DeviceRenewal(DateTimeOffset LastRenewal, TimeSpan Wait);
}
