using System.Buffers;
using System.Diagnostics;
using MQTTnet.Packets;
using SmartHome.Contracts;
using SmartHome.Messaging;
using SmartHome.ServiceDefaults;
using Attr = SmartHome.ServiceDefaults.SmartHomeTelemetry.Attributes;

namespace SmartHome.Actuator;

/// <summary>
/// Judges and applies one received message: protection layer first, then the reading's own
/// checks, then what the device registry lets the sender do, then the home's rules. Every outcome lands in the decision log, a span and a metric;
/// nothing a sender can put in a message makes this throw or change state when rejected.
/// </summary>
public sealed partial class ReadingProcessor(
    IMessageProtection protection,
    HomeState home,
    DeviceAuthorization authorization,
    DecisionLog log,
    TimeProvider clock,
    string pipeline,
    ILogger<ReadingProcessor> logger,
    AppliedJournal? journal = null,
    AckQueue? acks = null)
{
    public const string InternalError = "internal-error";

    private readonly KeyValuePair<string, object?> _pipelineTag = new(Attr.Pipeline, pipeline);
    // A flood of rejections must not become a flood of log writes; the decision log, spans and metrics keep all.
    private readonly SmartHome.Security.PerSecondBudget _rejectionLogs = new(RejectionLogLinesPerSecond, clock);
    private readonly StringReuse _repeated = new();
    private readonly AppliedJournal _applied = journal ?? AppliedJournal.InMemory();
    private readonly Lock _atMostOnce = new();

    // A sender that signs its readings (secure) re-sends an applied reading only as a retransmission, so every second copy
    // of an id is dropped; on the insecure pipeline only a copy flagged as a redelivery is (a plain repeat is a replay,
    // which that pipeline has no defence against, by design).
    private readonly bool _senderAuthenticated = protection.Mode != "plaintext";

    /// <summary>Rejections written to the log per second; the rest are counted in one summary line.</summary>
    public const int RejectionLogLinesPerSecond = 20;

    public string Pipeline => pipeline;

    /// <param name="redelivered">The transport says this may be a second copy: the broker's MQTT DUP flag, or the
    /// sender's retransmission property (<see cref="MessageProperties.Retransmission"/>).</param>
    public Decision Process(string topic, ReadOnlySequence<byte> payload, IReadOnlyCollection<MqttUserProperty>? properties,
        bool redelivered = false)
    {
        var parent = TraceContextPropagation.Extract(properties);
        using var activity = SmartHomeTelemetry.ActivitySource.StartActivity($"process {topic}", ActivityKind.Consumer, parent);
        activity?.SetTag(Attr.MessagingSystem, "mqtt");
        activity?.SetTag(Attr.MessagingDestination, topic);
        activity?.SetTag(Attr.MessagingOperationType, "process");
        activity?.SetTag(Attr.Pipeline, pipeline);
        var attemptId = _repeated.Reuse(Truncate(TraceContextPropagation.Find(properties, MessageProperties.AttemptId)));
        if (attemptId is not null)
        {
            activity?.SetTag(Attr.AttemptId, attemptId);
        }

        Decision decision;
        try
        {
            redelivered |= TraceContextPropagation.Find(properties, MessageProperties.Retransmission) is not null;
            decision = Judge(topic, payload, attemptId, redelivered);
        }
        catch (Exception ex)
        {
            // A bug must not become a crash or a state change; it is recorded like any rejection.
            LogInternalError(logger, topic, ex);
            decision = Record(null, attemptId, string.Empty, topic, "unknown", InternalError, ex.GetType().Name, null, null, null);
        }

        Acknowledge(decision);
        activity?.SetTag(Attr.Verdict, decision.Verdict);
        activity?.SetTag(Attr.Device, decision.Sender);
        if (decision.MessageId is not null)
        {
            activity?.SetTag(Attr.MessagingMessageId, decision.MessageId);
        }

        if (decision.Verdict == DecisionLog.Rejected)
        {
            activity?.SetTag(Attr.RejectReason, decision.Reason);
            activity?.SetStatus(ActivityStatusCode.Error, decision.Reason);
            SmartHomeTelemetry.MessagesRejected.Add(1, _pipelineTag, new(Attr.RejectReason, decision.Reason));
            if (_rejectionLogs.TrySpend(out var suppressed))
            {
                if (suppressed > 0)
                {
                    LogSuppressed(logger, suppressed, RejectionLogLinesPerSecond);
                }

                LogRejected(logger, topic, decision.Sender, decision.Reason, decision.Effect, attemptId);
            }
        }
        else
        {
            SmartHomeTelemetry.MessagesApplied.Add(1, _pipelineTag);
        }

        return decision;
    }

    private Decision Judge(string topic, ReadOnlySequence<byte> payload, string? attemptId, bool redelivered)
    {
        // Oversized payloads are refused before they are copied or parsed.
        if (payload.Length > 64 * 1024)
        {
            return Record(null, attemptId, string.Empty, topic, "unknown", RejectReasons.Oversize, $"{payload.Length} bytes", null, null, null);
        }

        var bytes = payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray();
        var verdict = protection.Unprotect(topic, bytes);
        switch (verdict.Kind)
        {
            case InboundKind.Rejected:
                return Record(null, attemptId, verdict.SenderId, topic, "unknown", verdict.Reason, verdict.Detail, null, null, null);
            case InboundKind.Control:
                return Record(null, attemptId, verdict.SenderId, topic, "session-key", null, null, null, null, verdict.Detail);
        }

        if (!DeviceReading.TryParse(verdict.Plaintext, out var reading, out var error))
        {
            return Record(null, attemptId, verdict.SenderId, topic, "unknown", RejectReasons.Malformed, error, null, null, null);
        }

        if (!string.Equals(reading!.DeviceId, verdict.SenderId, StringComparison.Ordinal))
        {
            return Record(reading.MessageId, attemptId, verdict.SenderId, topic, KindName(reading.Kind), RejectReasons.SenderMismatch,
                $"reading claims device '{reading.DeviceId}'", reading.Value, null, null);
        }

        // At most once: a second copy of an applied reading (a retransmission after a lost acknowledgement, a broker
        // redelivery) is acknowledged again, never applied again; checked before authorization spends the sender's rate.
        // Check and record are one step: two copies of a reading judged at the same time (an MQTT client can hand over a
        // redelivery on its new connection while the old one still drains) must not both find it new.
        lock (_atMostOnce)
        {
            var status = _applied.Check(verdict.SenderId, reading.MessageId, reading.SentAtMicros, out var appliedWasFlagged);
            if (status == AppliedStatus.Applied && (_senderAuthenticated || redelivered || appliedWasFlagged))
            {
                return Record(reading.MessageId, attemptId, verdict.SenderId, topic, KindName(reading.Kind), RejectReasons.Duplicate,
                    "second copy of an applied reading (redelivery)", reading.Value, null, null);
            }

            if (status == AppliedStatus.Expired)
            {
                return Record(reading.MessageId, attemptId, verdict.SenderId, topic, KindName(reading.Kind), RejectReasons.Expired,
                    "older than the applied readings this actuator still remembers", reading.Value, null, null);
            }

            // Authenticated is not authorized: the sender's registered kind, range and rate decide, before any state change.
            if (authorization.Check(verdict.SenderId, reading) is { } refused)
            {
                return Record(reading.MessageId, attemptId, verdict.SenderId, topic, KindName(reading.Kind), refused.Reason, refused.Detail,
                    reading.Value, null, null);
            }

            // Recorded before the rules run, so a crash in between can never lead to a second application.
            _applied.Record(verdict.SenderId, reading.MessageId, reading.SentAtMicros, redelivered);
        }

        var effect = home.Apply(reading);
        // End to end: from the sensor's reading (stamped before sealing) to the rule applied here, after verification.
        var latencyMs = (DeviceReading.NowMicros(clock) - reading.SentAtMicros) / 1000.0;
        var latencyRecorded = latencyMs is >= 0 and < 3_600_000 ? latencyMs : (double?)null;
        if (latencyRecorded is { } ms)
        {
            SmartHomeTelemetry.EndToEndLatency.Record(ms, _pipelineTag);
        }

        return Record(reading.MessageId, attemptId, verdict.SenderId, topic, KindName(reading.Kind), null, null, reading.Value, latencyRecorded, effect);
    }

    private Decision Record(string? messageId, string? attemptId, string sender, string topic, string kind,
        string? rejectReason, string? detail, double? value, double? latencyMs, string? effect) =>
        log.Add(seq => new Decision(
            seq, messageId, attemptId, _repeated.Reuse(sender)!, _repeated.Reuse(Truncate(topic))!, kind,
            rejectReason is null ? DecisionLog.Applied : DecisionLog.Rejected,
            rejectReason, value, latencyMs, clock.GetUtcNow(),
            rejectReason is null ? effect : Truncate(detail))
        {
            TraceId = CurrentTraceId(),
        });

    /// <summary>The trace of this message's own process span (not an unrelated ambient one), so the console can link to it.</summary>
    private static string? CurrentTraceId() =>
        Activity.Current is { } span && span.Source == SmartHomeTelemetry.ActivitySource ? span.TraceId.ToHexString() : null;

    private static string KindName(DeviceKind kind) => DeviceAuthorization.KindName(kind);

    /// <summary>
    /// Tells the device the final word on a reading it can name (its id was read from an authenticated reading, or from
    /// the insecure pipeline's plain one): applied (now or before), or refused for good. Messages refused below the
    /// reading (envelope, topic) are not acknowledged: their id is unknown or unproven, and the device re-sends them.
    /// </summary>
    private void Acknowledge(Decision decision)
    {
        if (acks is null || decision.MessageId is null || decision.Reason == InternalError || !Topics.IsValidDeviceId(decision.Sender))
        {
            return;
        }

        acks.Enqueue(decision.Sender, decision.Verdict == DecisionLog.Applied || decision.Reason == RejectReasons.Duplicate
            ? AckEntry.ForApplied(decision.MessageId)
            : AckEntry.ForRejected(decision.MessageId, decision.Reason ?? RejectReasons.Malformed));
    }

    // Attacker-controlled strings are bounded before they reach logs and memory.
    private static string? Truncate(string? value) => value is null || value.Length <= 128 ? value : value[..128];

    [LoggerMessage(LogLevel.Warning, "Rejected message on {Topic} from {Sender}: {Reason} ({Detail}) attempt={AttemptId}")]
    private static partial void LogRejected(ILogger logger, string topic, string sender, string? reason, string? detail, string? attemptId);

    [LoggerMessage(LogLevel.Warning, "{Count} further rejected messages were not logged one by one (more than {PerSecond}/s); the decision log and metrics have them all")]
    private static partial void LogSuppressed(ILogger logger, long count, int perSecond);

    [LoggerMessage(LogLevel.Error, "Unexpected error while processing a message on {Topic}")]
    private static partial void LogInternalError(ILogger logger, string topic, Exception exception);
}
