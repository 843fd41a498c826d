using SmartHome.Messaging;

namespace SmartHome.Actuator;

/// <summary>One decision of the actuator about one received message.</summary>
/// <param name="Seq">Position in the log (monotonic), for paging with <c>?after=</c>.</param>
/// <param name="MessageId">The reading's id, when the message could be read.</param>
/// <param name="AttemptId">The attacker's correlation label, if the message carried one.</param>
/// <param name="Sender">Sender the protection layer established (or the topic's device on the insecure pipeline).</param>
/// <param name="Verdict"><c>applied</c> or <c>rejected</c>.</param>
/// <param name="Reason">Reject reason, or the rule's effect when applied.</param>
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
    string? Effect);

/// <summary>
/// The actuator's decision log: a bounded ring (oldest decisions fall out), so a flood cannot
/// grow memory without limit. Thread-safe; reads copy.
/// </summary>
public sealed class DecisionLog(int capacity)
{
    public const string Applied = "applied";
    public const string Rejected = "rejected";

    private readonly SequencedRing<Decision> _ring = new(capacity);
    private readonly Dictionary<string, long> _appliedCount = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _rejectedByReason = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public int Capacity => _ring.Capacity;

    public long Count
    {
        get
        {
            lock (_gate)
            {
                return _ring.Count;
            }
        }
    }

    public Decision Add(Func<long, Decision> create)
    {
        lock (_gate)
        {
            var decision = _ring.Add(create);
            var counts = decision.Verdict == Applied ? _appliedCount : _rejectedByReason;
            var key = decision.Verdict == Applied ? decision.Kind : decision.Reason ?? "unknown";
            counts[key] = counts.GetValueOrDefault(key) + 1;
            return decision;
        }
    }

    /// <summary>Decisions after <paramref name="after"/> (exclusive), oldest first, optionally filtered.</summary>
    public IReadOnlyList<Decision> Query(long after, int limit, string? attemptId = null, string? messageId = null, string? verdict = null)
    {
        lock (_gate)
        {
            return _ring.After(after, limit, attemptId is null && messageId is null && verdict is null
                ? null
                : d => (attemptId is null || d.AttemptId == attemptId)
                       && (messageId is null || d.MessageId == messageId)
                       && (verdict is null || d.Verdict == verdict));
        }
    }

    public DecisionSummary Summary()
    {
        lock (_gate)
        {
            return new DecisionSummary(
                _ring.Count,
                _appliedCount.Values.Sum(),
                _rejectedByReason.Values.Sum(),
                new Dictionary<string, long>(_appliedCount),
                new Dictionary<string, long>(_rejectedByReason));
        }
    }
}

public sealed record DecisionSummary(long Total, long Applied, long Rejected,
    IReadOnlyDictionary<string, long> AppliedByKind, IReadOnlyDictionary<string, long> RejectedByReason);
