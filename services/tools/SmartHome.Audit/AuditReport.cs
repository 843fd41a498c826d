namespace SmartHome.Audit;

/// <summary>The whole audit of one broker (docs/audit.schema.json describes its JSON form).</summary>
public sealed record AuditReport
{
    public const string CurrentSchemaVersion = "1.0";

    public string SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required string Tool { get; init; }

    public required string ToolVersion { get; init; }

    /// <summary>The broker URI as given (no credentials).</summary>
    public required string Target { get; init; }

    /// <summary>The IP address every probe went to.</summary>
    public required string Address { get; init; }

    /// <summary>Who the audit logged in as ("anonymous" or "user 'name'"), never a password.</summary>
    public required string Identity { get; init; }

    public required string RunId { get; init; }

    /// <summary>The topic prefix of the audit's own probes (the only topics it publishes to).</summary>
    public required string ProbeTopicRoot { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required double DurationMs { get; init; }

    public required IReadOnlyList<CheckResult> Checks { get; init; }

    public IReadOnlyList<Finding> Findings => [.. Checks.SelectMany(c => c.Findings).OrderByDescending(f => f.Severity).ThenBy(f => f.RuleId, StringComparer.Ordinal)];

    /// <summary>The worst finding's severity, or null when there is none.</summary>
    public Severity? HighestSeverity => Findings.Count == 0 ? null : Findings.Max(f => f.Severity);

    /// <summary>True when a finding is at or above <paramref name="threshold"/> (the exit code is 1 then).</summary>
    public bool FailsAt(Severity threshold) => Findings.Any(f => f.Severity >= threshold);
}
