namespace SmartHome.Attacker;

/// <summary>How one attempt ended.</summary>
public readonly record struct Verdict(bool Succeeded, string? BlockedBy, bool Judged = true)
{
    public static Verdict Success => new(true, null);

    public static Verdict Blocked(string layer) => new(false, layer);

    public static Verdict Unknown => new(false, null, false);
}
