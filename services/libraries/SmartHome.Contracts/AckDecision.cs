namespace SmartHome.Contracts;

/// <summary>
/// The device's judgement of one acknowledgement message: accepted (it took <see cref="Removed"/> readings off the
/// outbox) or refused with a reason. Shaped like the actuator's decisions so an attack on the acknowledgements is judged
/// on this victim's side the same way (<c>GET /acks</c>).
/// </summary>
public sealed record AckDecision(long Seq, string? MessageId, string? AttemptId, string Sender, string Topic, string Kind, string Verdict,
    string? Reason, double? Value, double? LatencyMs, DateTimeOffset ReceivedAt, int Removed);
