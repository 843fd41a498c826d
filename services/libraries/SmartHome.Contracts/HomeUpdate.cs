namespace SmartHome.Contracts;

/// <summary>
/// One event of the actuator's live stream (<c>GET /decisions/stream</c>, server-sent events): a decision and the home's state
/// right after it, or (event <see cref="SnapshotEvent"/>, no decision) the state when the stream opens.
/// </summary>
public sealed record HomeUpdate(Decision? Decision, HomeSnapshot State)
{
    /// <summary>SSE event type of the first message: the state only.</summary>
    public const string SnapshotEvent = "snapshot";

    /// <summary>SSE event type of every later message: one decision.</summary>
    public const string DecisionEvent = "decision";
}
