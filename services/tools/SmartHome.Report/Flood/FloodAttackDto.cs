namespace SmartHome.Report.Flood;

/// <summary>The attacker's answer to <c>POST /flood</c> (the part the report reads).</summary>
public sealed record FloodAttackDto
{
    public string Pipeline { get; init; } = string.Empty;

    public string Level { get; init; } = string.Empty;

    public string Mix { get; init; } = string.Empty;

    public int Qos { get; init; }

    public double TargetRatePerSecond { get; init; }

    public int RequestedSeconds { get; init; }

    public string AttemptId { get; init; } = string.Empty;

    public double DurationSeconds { get; init; }

    public long MessagesSent { get; init; }

    public double AchievedRatePerSecond { get; init; }

    public Dictionary<string, long> ByKind { get; init; } = [];

    public long PublishErrors { get; init; }

    public long MaxBacklogMessages { get; init; }

    public List<string> CaptureMessageIds { get; init; } = [];

    public double AttackerCpuMs { get; init; }

    public string? Refusal { get; init; }

    public bool Completed { get; init; }

    public string Notes { get; init; } = string.Empty;
}
