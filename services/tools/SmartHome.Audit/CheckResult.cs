using System.Text.Json.Serialization;

namespace SmartHome.Audit;

/// <summary>How a check ended.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<CheckStatus>))]
public enum CheckStatus
{
    /// <summary>Ran and found nothing.</summary>
    [JsonStringEnumMemberName("passed")]
    Passed,

    /// <summary>Ran and found at least one problem.</summary>
    [JsonStringEnumMemberName("findings")]
    Findings,

    /// <summary>Did not run: not asked for (opt-in), not applicable, or missing what it needs; the summary says which.</summary>
    [JsonStringEnumMemberName("skipped")]
    Skipped,

    /// <summary>Could not finish (timeout, broker unreachable); no conclusion.</summary>
    [JsonStringEnumMemberName("error")]
    Error,
}

/// <summary>One check's outcome: its status, a one-line summary, the exchanges it made and its findings.</summary>
public sealed record CheckResult
{
    public required string Check { get; init; }

    public required string Title { get; init; }

    public required CheckStatus Status { get; init; }

    public required string Summary { get; init; }

    public double DurationMs { get; init; }

    public IReadOnlyList<Evidence> Evidence { get; init; } = [];

    public IReadOnlyList<Finding> Findings { get; init; } = [];
}
