using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SmartHome.ServiceDefaults;

/// <summary>
/// The one place where the names the dashboard shows are defined (README.md, "Telemetry").
/// Every service records through these, so a rename cannot split a metric in two.
/// </summary>
public static class SmartHomeTelemetry
{
    public const string Name = "SmartHome";

    public static readonly ActivitySource ActivitySource = new(Name);
    public static readonly Meter Meter = new(Name);

    /// <summary>Span and metric attribute names.</summary>
    public static class Attributes
    {
        public const string MessagingSystem = "messaging.system";
        public const string MessagingDestination = "messaging.destination.name";
        public const string MessagingOperationType = "messaging.operation.type";
        public const string MessagingMessageId = "messaging.message.id";
        public const string MessagingClientId = "messaging.client.id";
        public const string Pipeline = "smarthome.pipeline";
        public const string Device = "smarthome.device";
        public const string Verdict = "smarthome.verdict";
        public const string RejectReason = "smarthome.reject_reason";
        public const string Attack = "smarthome.attack";
        public const string AttackLevel = "smarthome.attack.level";
        public const string AttackOutcome = "smarthome.attack.outcome";
        public const string AttackBlockedBy = "smarthome.attack.blocked_by";
        public const string AttemptId = "smarthome.attempt_id";
        public const string CryptoOperation = "smarthome.crypto.operation";
        public const string OutboxDropReason = "smarthome.outbox.drop_reason";
        public const string AckOutcome = "smarthome.ack.outcome";
    }

    /// <summary>Instrument names of the <c>SmartHome</c> meter.</summary>
    public static class Instruments
    {
        public const string EndToEndLatency = "smarthome.e2e.latency";
        public const string CryptoDuration = "smarthome.crypto.duration";
        public const string MessagesApplied = "smarthome.messages.applied";
        public const string MessagesRejected = "smarthome.messages.rejected";
        public const string ReadingsPublished = "smarthome.readings.published";
        public const string AttackAttempts = "smarthome.attack.attempts";
        public const string AcksPublished = "smarthome.acks.published";
        public const string AcksReceived = "smarthome.acks.received";
        public const string AckRoundTrip = "smarthome.ack.round_trip";
        public const string OutboxPending = "smarthome.outbox.pending";
        public const string OutboxDropped = "smarthome.outbox.dropped";
        public const string OutboxRetransmissions = "smarthome.outbox.retransmissions";
    }

    /// <summary>Bucket bounds in milliseconds: the interesting range of this lab is 0.05 ms to 1 s.</summary>
    public static readonly IReadOnlyList<double> LatencyBucketsMs =
        [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 50, 100, 250, 500, 1000];

    public static readonly Histogram<double> EndToEndLatency = Meter.CreateHistogram(
        Instruments.EndToEndLatency, unit: "ms",
        description: "Time from the sensor's publish to the actuator's decision.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBucketsMs });

    public static readonly Histogram<double> CryptoDuration = Meter.CreateHistogram(
        Instruments.CryptoDuration, unit: "ms",
        description: "Duration of one cryptographic operation (seal, open, announce...).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBucketsMs });

    public static readonly Counter<long> MessagesApplied = Meter.CreateCounter<long>(
        Instruments.MessagesApplied, description: "Messages the actuator applied.");

    public static readonly Counter<long> MessagesRejected = Meter.CreateCounter<long>(
        Instruments.MessagesRejected, description: "Messages the actuator rejected, by reason.");

    public static readonly Counter<long> ReadingsPublished = Meter.CreateCounter<long>(
        Instruments.ReadingsPublished, description: "Readings the sensor published.");

    public static readonly Counter<long> AttackAttempts = Meter.CreateCounter<long>(
        Instruments.AttackAttempts, description: "Attack attempts, by attack and outcome.");

    public static readonly Counter<long> AcksPublished = Meter.CreateCounter<long>(
        Instruments.AcksPublished, description: "Readings the actuator acknowledged (applied or refused for good).");

    public static readonly Counter<long> AcksReceived = Meter.CreateCounter<long>(
        Instruments.AcksReceived, description: "Acknowledgement messages a sensor received, by outcome (accepted or the reject reason).");

    public static readonly Histogram<double> AckRoundTrip = Meter.CreateHistogram(
        Instruments.AckRoundTrip, unit: "ms",
        description: "Time from a reading's first publish to its acknowledgement at the sensor.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBucketsMs });

    public static readonly Counter<long> OutboxDropped = Meter.CreateCounter<long>(
        Instruments.OutboxDropped, description: "Readings the sensor's outbox dropped unacknowledged by policy (full, expired): reported losses.");

    public static readonly Counter<long> OutboxRetransmissions = Meter.CreateCounter<long>(
        Instruments.OutboxRetransmissions, description: "Readings the sensor published again because no acknowledgement came.");
}
