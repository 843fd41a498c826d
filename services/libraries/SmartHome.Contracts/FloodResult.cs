namespace SmartHome.Contracts;

/// <summary>Outcome of one sustained flood (<c>POST /flood</c>).</summary>
public sealed record FloodResult
{
    public required string Pipeline { get; init; }

    public required string Level { get; init; }

    public required string Mix { get; init; }

    /// <summary>Always 0: a flood is fire-and-forget (no PUBACK), so its rate does not depend on the broker's acknowledgements.</summary>
    public int Qos { get; init; }

    public string Delivery { get; init; } = "QoS 0 (fire-and-forget): the attacker waits for no PUBACK; what reached the actuator is in its decision log.";

    public double TargetRatePerSecond { get; init; }

    public int RequestedSeconds { get; init; }

    /// <summary>Topic of the forged, malformed and oversized messages (replays go to the topic they were captured on).</summary>
    public string Topic { get; init; } = string.Empty;

    /// <summary>The <c>smarthome-attempt-id</c> user property every flood message carries (one label for the whole flood).</summary>
    public string AttemptId { get; init; } = string.Empty;

    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When the first message was due (after connecting, capturing and building the payload pool).</summary>
    public DateTimeOffset? FloodStartedAt { get; init; }

    /// <summary>Seconds from the first due message to the last one sent.</summary>
    public double DurationSeconds { get; init; }

    public long MessagesPlanned { get; init; }

    public long MessagesSent { get; init; }

    public double AchievedRatePerSecond { get; init; }

    public IReadOnlyDictionary<string, long> ByKind { get; init; } = new Dictionary<string, long>();

    /// <summary>Publishes that failed because the connection was lost (each followed by a reconnect attempt).</summary>
    public long PublishErrors { get; init; }

    /// <summary>The most messages the flood was ever behind its schedule (pacing quality; 0..batch size when it keeps up).</summary>
    public long MaxBacklogMessages { get; init; }

    public int PoolSize { get; init; }

    public long PoolBytes { get; init; }

    /// <summary>Legit readings the attacker asked the sensor for to capture key ids and replays (not flood messages).</summary>
    public IReadOnlyList<string> CaptureMessageIds { get; init; } = [];

    /// <summary>CPU time of the attacker's process during the flood phase.</summary>
    public double AttackerCpuMs { get; init; }

    /// <summary>Why the broker (or the loopback rule) refused the flood; null when it ran.</summary>
    public string? Refusal { get; init; }

    /// <summary>False when cancelled or when the flood fell behind its schedule at the deadline.</summary>
    public bool Completed { get; init; }

    public string Notes { get; init; } = string.Empty;
}
