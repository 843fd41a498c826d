namespace SmartHome.Report.Chaos;

/// <summary>
/// What one pipeline's sensor took responsibility for during a chaos run, and the judgement against the actuator's
/// applied journal. A reading counts as sent once the sensor's durable outbox took it (a <c>P</c> line) or a publish
/// answer named it; the judgement is by message id. Thread-safe.
/// </summary>
public sealed class DeliveryLedger
{
    private readonly Lock _gate = new();
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _removed = new(StringComparer.Ordinal);

    /// <summary>Readings taken so far.</summary>
    public int TakenCount
    {
        get
        {
            lock (_gate)
            {
                return _taken.Count;
            }
        }
    }

    public void Taken(string messageId)
    {
        lock (_gate)
        {
            _taken.Add(messageId);
        }
    }

    public void Taken(IEnumerable<string> messageIds)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        lock (_gate)
        {
            _taken.UnionWith(messageIds);
        }
    }

    /// <summary>The outbox let the reading go: <c>applied</c> or <c>rejected</c> (acknowledged), <c>full</c> or <c>expired</c> (dropped).</summary>
    public void Removed(string messageId, string reason)
    {
        lock (_gate)
        {
            _removed[messageId] = reason;
        }
    }

    /// <summary>
    /// Judges every reading taken against <paramref name="applied"/> (message id → applications recorded by the
    /// actuator's journal). A reading the journal has but no outbox line or answer named (its lines compacted away
    /// between two reads of the file) was sent too: it is counted, and judged like the rest.
    /// </summary>
    public DeliveryVerdict Judge(IReadOnlyDictionary<string, int> applied)
    {
        ArgumentNullException.ThrowIfNull(applied);
        lock (_gate)
        {
            var sent = new HashSet<string>(_taken, StringComparer.Ordinal);
            sent.UnionWith(applied.Keys);
            var lost = sent.Where(id => !applied.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
            var twice = sent.Where(id => applied.GetValueOrDefault(id) > 1).Order(StringComparer.Ordinal).ToList();
            int Reason(string reason) => _removed.Values.Count(r => r == reason);
            return new DeliveryVerdict(
                Sent: sent.Count,
                AppliedOnce: sent.Count(id => applied.GetValueOrDefault(id) == 1),
                Lost: lost.Count,
                AppliedTwice: twice.Count,
                DroppedByPolicy: Reason("full") + Reason("expired"),
                RejectedForGood: Reason("rejected"),
                LostSample: lost.Take(10).ToList(),
                AppliedTwiceSample: twice.Take(10).Select(id => $"{id}×{applied[id]}").ToList());
        }
    }
}

/// <summary>The delivery judgement of one pipeline: every reading sent is applied once, lost, or applied more than once.</summary>
public sealed record DeliveryVerdict(int Sent, int AppliedOnce, int Lost, int AppliedTwice, int DroppedByPolicy, int RejectedForGood,
    IReadOnlyList<string> LostSample, IReadOnlyList<string> AppliedTwiceSample);
