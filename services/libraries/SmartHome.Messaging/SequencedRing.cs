namespace SmartHome.Messaging;

/// <summary>
/// The newest <see cref="Capacity"/> records of a log, each numbered in order from 1 (a bounded ring: a flood cannot grow
/// it), read back oldest first after a sequence number, so a reader pages with <c>?after=</c>. Not thread-safe: its
/// owner (the actuator's decision log, the sensor's acknowledgement log) locks around it with whatever else it counts.
/// </summary>
public sealed class SequencedRing<T>(int capacity)
    where T : class
{
    private readonly T?[] _ring = new T?[Math.Max(16, capacity)];

    public int Capacity => _ring.Length;

    /// <summary>Records added so far (the newest one's sequence number).</summary>
    public long Count { get; private set; }

    /// <summary>Adds the record <paramref name="create"/> makes for the next sequence number; the oldest falls out when full.</summary>
    public T Add(Func<long, T> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        var seq = ++Count;
        var record = create(seq);
        _ring[(int)(seq % _ring.Length)] = record;
        return record;
    }

    /// <summary>Up to <paramref name="limit"/> records after <paramref name="after"/> (exclusive) still kept, oldest first, that pass <paramref name="filter"/>.</summary>
    public List<T> After(long after, int limit, Func<T, bool>? filter = null)
    {
        var start = Math.Max(after + 1, Math.Max(1, Count - _ring.Length + 1));
        var result = new List<T>(Math.Min(limit, 1024));
        for (var seq = start; seq <= Count && result.Count < limit; seq++)
        {
            if (_ring[(int)(seq % _ring.Length)] is { } record && (filter is null || filter(record)))
            {
                result.Add(record);
            }
        }

        return result;
    }
}
