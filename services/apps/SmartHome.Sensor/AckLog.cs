using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Sensor;

/// <summary>The last <see cref="Capacity"/> acknowledgement decisions (a bounded ring: a flood cannot grow it). Thread-safe.</summary>
public sealed class AckLog(int capacity = 10_000)
{
    private readonly SequencedRing<AckDecision> _ring = new(capacity);
    private readonly Lock _gate = new();

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

    public void Add(Func<long, AckDecision> create)
    {
        lock (_gate)
        {
            _ring.Add(create);
        }
    }

    /// <summary>Decisions after <paramref name="after"/>, oldest first, optionally of one attempt.</summary>
    public IReadOnlyList<AckDecision> Query(long after, int limit, string? attemptId = null)
    {
        lock (_gate)
        {
            return _ring.After(after, limit, attemptId is null ? null : d => d.AttemptId == attemptId);
        }
    }
}
