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
    private readonly AckDecision?[] _ring = new AckDecision?[Math.Max(16, capacity)];
    private readonly Lock _gate = new();
    private long _next;

    public int Capacity => _ring.Length;

    public long Count
    {
        get
        {
            lock (_gate)
            {
                return _next;
            }
        }
    }

    public void Add(Func<long, AckDecision> create)
    {
        lock (_gate)
        {
            var decision = create(++_next);
            _ring[(int)(decision.Seq % _ring.Length)] = decision;
        }
    }

    /// <summary>Decisions after <paramref name="after"/>, oldest first, optionally of one attempt.</summary>
    public IReadOnlyList<AckDecision> Query(long after, int limit, string? attemptId = null)
    {
        lock (_gate)
        {
            var result = new List<AckDecision>();
            for (var seq = Math.Max(after + 1, Math.Max(1, _next - _ring.Length + 1)); seq <= _next && result.Count < limit; seq++)
            {
                if (_ring[(int)(seq % _ring.Length)] is { } d && (attemptId is null || d.AttemptId == attemptId))
                {
                    result.Add(d);
                }
            }

            return result;
        }
    }
}
