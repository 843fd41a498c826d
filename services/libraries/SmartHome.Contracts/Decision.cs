namespace SmartHome.Contracts;

/// <summary>One decision of the actuator about one received message (<c>GET /decisions</c>).</summary>
/// <param name="Seq">Position in the log (monotonic), for paging with <c>?after=</c>.</param>
/// <param name="MessageId">The reading's id, when the message could be read.</param>
/// <param name="AttemptId">The attacker's correlation label, if the message carried one.</param>
/// <param name="Sender">Sender the protection layer established (or the topic's device on the insecure pipeline).</param>
/// <param name="Verdict"><c>applied</c> or <c>rejected</c>.</param>
/// <param name="Reason">Reject reason (<c>malformed</c>, <c>replay</c>, ...); null when applied (what the rules did is in <paramref name="Effect"/>).</param>
/// <param name="Effect">What the rules did when applied ("door unlocked", "no change"), the reject detail otherwise.</param>
public sealed record Decision(
    long Seq,
    string? MessageId,
    string? AttemptId,
    string Sender,
    string Topic,
    string Kind,
    string Verdict,
    string? Reason,
    double? Value,
    double? LatencyMs,
    DateTimeOffset ReceivedAt,
    string? Effect)
{
    /// <summary>Decisions an actuator keeps by default (<c>Actuator:DecisionLogCapacity</c>); <c>GET /decisions</c> pages the newest.</summary>
    public const int DefaultLogCapacity = 50_000;

    /// <summary>W3C trace id of the actuator's span for this message (null when no span was recorded), to find it in the dashboard.</summary>
    public string? TraceId { get; init; }
}
