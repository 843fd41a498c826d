namespace SmartHome.Attacker;

/// <summary>What the sustained flood's send loop did: the counts its result and span report.</summary>
internal sealed class FloodTally(int kinds)
{
    public long Attempted { get; set; }

    public long Sent { get; set; }

    /// <summary>Publishes that failed because the connection was lost.</summary>
    public long Errors { get; set; }

    /// <summary>The most messages the loop was ever behind its schedule.</summary>
    public long MaxBacklog { get; set; }

    /// <summary>Messages sent per kind, indexed like the mix.</summary>
    public long[] SentByKind { get; } = new long[kinds];

    /// <summary>Every planned message was attempted.</summary>
    public bool Completed { get; set; }

    public bool Cancelled { get; set; }
}
