using System.Diagnostics;
using SmartHome.Contracts;
using SmartHome.Messaging;
using SmartHome.ServiceDefaults;
using Attr = SmartHome.ServiceDefaults.SmartHomeTelemetry.Attributes;

namespace SmartHome.Sensor;

/// <summary>
/// Takes the actuator's acknowledgements off the outbox: an accepted acknowledgement (secure: the actuator's signature,
/// the device's own topic, fresh, never seen) removes each reading it names; a refused one removes nothing. A reading the
/// actuator refused for good is a reported loss (warning line, metric); an acknowledgement naming no pending reading (a
/// second acknowledgement of a retransmitted reading) is ignored.
/// </summary>
public sealed partial class AckHandler(SensorOutbox outbox, IAckProtection protection, AckLog log, SessionRenewal renewal, IConfiguration configuration,
    ILogger<AckHandler> logger)
{
    private readonly KeyValuePair<string, object?> _pipelineTag = new(Attr.Pipeline, configuration["Pipeline"] ?? "insecure");
    private readonly SmartHome.Security.PerSecondBudget _refusalLogs = new(20, TimeProvider.System);
    private readonly Lock _statsGate = new();
    private readonly List<double> _roundTrips = [];
    private long _acked;
    private long _refusedByActuator;
    private long _refusedAcks;

    public long Acknowledged => Interlocked.Read(ref _acked);

    public long RefusedByActuator => Interlocked.Read(ref _refusedByActuator);

    /// <summary>Acknowledgement messages refused (forged, replayed, stale, moved, malformed).</summary>
    public long RefusedAcks => Interlocked.Read(ref _refusedAcks);

    /// <summary>The last 10,000 round trips (first publish to acknowledgement), ms.</summary>
    public IReadOnlyList<double> RoundTrips()
    {
        lock (_statsGate)
        {
            return [.. _roundTrips];
        }
    }

    /// <summary>
    /// Handles one message received on <paramref name="topic"/> by the connection of <paramref name="deviceId"/>;
    /// <paramref name="attemptId"/> is an attacker's correlation label, if the message had one (it changes nothing).
    /// </summary>
    public void Handle(string deviceId, string topic, ReadOnlySpan<byte> payload, string? attemptId = null)
    {
        var opened = protection.Open(topic, payload);
        if (attemptId is { Length: > 128 })
        {
            attemptId = attemptId[..128];
        }

        if (!opened.Accepted || opened.DeviceId != deviceId)
        {
            Interlocked.Increment(ref _refusedAcks);
            var reason = opened.Accepted ? "wrong-topic" : opened.Reason ?? "malformed";
            log.Add(seq => new AckDecision(seq, null, attemptId, "actuator", Truncate(topic), "acknowledgement", "rejected", reason, null, null,
                DateTimeOffset.UtcNow, 0));
            SmartHomeTelemetry.AcksReceived.Add(1, _pipelineTag, new(Attr.AckOutcome, reason));
            if (_refusalLogs.TrySpend(out _))
            {
                LogAckRefused(logger, topic, reason, opened.Detail ?? "another device's acknowledgement");
            }

            return;
        }

        SmartHomeTelemetry.AcksReceived.Add(1, _pipelineTag, new(Attr.AckOutcome, "accepted"));
        renewal.Acknowledged(deviceId);
        var taken = 0;
        foreach (var entry in opened.Entries!)
        {
            var removed = outbox.Complete(entry.MessageId, entry.Applied, deviceId);
            if (removed is null)
            {
                continue;
            }

            taken++;

            Interlocked.Increment(ref _acked);
            if (removed.FirstSentTimestamp != 0)
            {
                var ms = Stopwatch.GetElapsedTime(removed.FirstSentTimestamp).TotalMilliseconds;
                SmartHomeTelemetry.AckRoundTrip.Record(ms, _pipelineTag);
                lock (_statsGate)
                {
                    if (_roundTrips.Count == 10_000)
                    {
                        _roundTrips.RemoveAt(0);
                    }

                    _roundTrips.Add(ms);
                }
            }

            if (!entry.Applied)
            {
                Interlocked.Increment(ref _refusedByActuator);
                LogRefusedByActuator(logger, entry.MessageId, deviceId, entry.Reason ?? "unknown");
            }
        }

        log.Add(seq => new AckDecision(seq, null, attemptId, "actuator", Truncate(topic), "acknowledgement", "applied", null, null, null,
            DateTimeOffset.UtcNow, taken));
    }

    private static string Truncate(string value) => value.Length <= 128 ? value : value[..128];

    [LoggerMessage(LogLevel.Warning, "Reading {MessageId} of {DeviceId} was refused by the actuator for good ({Reason}): it will not be applied")]
    private static partial void LogRefusedByActuator(ILogger logger, string messageId, string deviceId, string reason);

    [LoggerMessage(LogLevel.Warning, "Refused an acknowledgement on {Topic}: {Reason} ({Detail}); no reading leaves the outbox for it")]
    private static partial void LogAckRefused(ILogger logger, string topic, string reason, string detail);
}
