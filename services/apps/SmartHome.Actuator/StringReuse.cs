namespace SmartHome.Actuator;

/// <summary>
/// Hands back an earlier instance of a string that repeats message after message (topics, senders, a flood's
/// attempt id), so the decision log keeps one copy instead of one per message — a flood fills the log's
/// 50,000 entries in seconds. A fixed table of slots: bounded memory, no locking (a lost race only costs a copy).
/// </summary>
public sealed class StringReuse(int slots = 256)
{
    private readonly string?[] _slots = new string?[Math.Max(1, slots)];

    public string? Reuse(string? value)
    {
        if (value is null)
        {
            return null;
        }

        var index = (int)((uint)value.GetHashCode() % (uint)_slots.Length);
        var known = _slots[index];
        if (known is not null && string.Equals(known, value, StringComparison.Ordinal))
        {
            return known;
        }

        _slots[index] = value;
        return value;
    }
}
