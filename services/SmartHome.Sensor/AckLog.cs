using SmartHome.Messaging;

namespace SmartHome.Sensor;

/// <summary>
/// The device's judgement of one acknowledgement message: accepted (it took <see cref="Removed"/> readings off the
/// outbox) or refused with a reason. Shaped like the actuator's decisions so an attack on the acknowledgements is judged
/// on this victim's side the same way (<c>GET /acks</c>).
/// </summary>
public sealed record AckDecision(long Seq, string? MessageId, string? AttemptId, string Sender, string Topic, string Kind, string Verdict,
    string? Reason, double? Value, double? LatencyMs, DateTimeOffset ReceivedAt, int Removed);

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
