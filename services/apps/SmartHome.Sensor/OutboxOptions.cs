namespace SmartHome.Sensor;

/// <summary>What the outbox does with a new reading when it already holds <see cref="OutboxOptions.MaxCount"/>.</summary>
public enum OutboxDropPolicy
{
    /// <summary>The oldest unacknowledged reading is dropped (a reported loss) to make room: the newest state wins.</summary>
    DropOldest,

    /// <summary>The new reading is refused (a reported loss; the publish fails): what was measured first is kept.</summary>
    RejectNew,
}

/// <summary>
/// The sensor's outbox (section <c>Outbox</c>): every reading stays in it, on disk, until the actuator acknowledges it,
/// and is sent again with exponential backoff. Bounded by count and age; a reading dropped by these bounds is a
/// reported loss (metric <c>smarthome.outbox.dropped</c>, a warning line), never a silent one. Validated at start.
/// </summary>
public sealed class OutboxOptions : SmartHome.ServiceDefaults.IValidatableOptions
{
    public const string SectionName = "Outbox";

    /// <summary>Most unacknowledged readings kept (default 10,000: at 4 readings/s, 40 minutes of a broken actuator).</summary>
    public int MaxCount { get; set; } = 10_000;

    /// <summary>Oldest unacknowledged reading kept, in seconds (default 3,600): an older one is dropped as <c>expired</c>.</summary>
    public double MaxAgeSeconds { get; set; } = 3600;

    /// <summary>What happens when the outbox is full.</summary>
    public OutboxDropPolicy DropPolicy { get; set; } = OutboxDropPolicy.DropOldest;

    /// <summary>First retransmission this long after a send without acknowledgement (default 2 s).</summary>
    public double RetryInitialSeconds { get; set; } = 2;

    /// <summary>Longest wait between two retransmissions of a reading (default 30 s); the wait doubles up to it, ±20 % jitter.</summary>
    public double RetryMaxSeconds { get; set; } = 30;

    /// <summary>
    /// fsync each new reading (default true): an unacknowledged reading survives a power loss, not only a crash of the
    /// sensor. The fsync runs beside the send and a publish completes when both are done; concurrent publishes share one
    /// fsync. False: the page cache only (survives SIGKILL).
    /// </summary>
    public bool Fsync { get; set; } = true;

    /// <summary>Every problem with these settings, one sentence each; empty when valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (MaxCount < 1)
        {
            problems.Add($"Outbox:MaxCount must be at least 1 (is {MaxCount}).");
        }

        if (!(MaxAgeSeconds > 0) || double.IsInfinity(MaxAgeSeconds))
        {
            problems.Add($"Outbox:MaxAgeSeconds must be a positive number of seconds (is {MaxAgeSeconds}).");
        }

        if (!(RetryInitialSeconds > 0) || !(RetryMaxSeconds >= RetryInitialSeconds) || double.IsInfinity(RetryMaxSeconds))
        {
            problems.Add($"Outbox:RetryInitialSeconds must be positive and at most Outbox:RetryMaxSeconds (are {RetryInitialSeconds} and {RetryMaxSeconds}).");
        }

        if (!Enum.IsDefined(DropPolicy))
        {
            problems.Add($"Outbox:DropPolicy must be {nameof(OutboxDropPolicy.DropOldest)} or {nameof(OutboxDropPolicy.RejectNew)}.");
        }

        return problems;
    }
}
