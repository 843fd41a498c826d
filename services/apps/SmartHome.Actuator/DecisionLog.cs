using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Actuator;

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

    // Completed (and replaced) by every Add, so live readers wait for the next decision instead of polling.
    private TaskCompletionSource _added = NewSignal();

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
            var added = _added;
            _added = NewSignal();
            // Continuations run asynchronously (NewSignal), so no reader runs inside this lock.
            added.SetResult();
            return decision;
        }
    }

    /// <summary>Completes once the log holds a decision after <paramref name="after"/> (at once if it already does).</summary>
    public Task WaitForDecisionAfterAsync(long after, CancellationToken cancellationToken)
    {
        Task signal;
        lock (_gate)
        {
            if (_ring.Count > after)
            {
                return Task.CompletedTask;
            }

            signal = _added.Task;
        }

        return signal.WaitAsync(cancellationToken);
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

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
