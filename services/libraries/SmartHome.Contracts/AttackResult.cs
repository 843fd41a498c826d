using System.Text.Json.Serialization;

namespace SmartHome.Contracts;

/// <summary>Outcome of one attack at one capability level against one pipeline.</summary>
public sealed record AttackResult
{
    public required string Pipeline { get; init; }

    public required string Attack { get; init; }

    public required string Level { get; init; }

    public int Attempts { get; init; }

    public int Succeeded { get; init; }

    /// <summary>Attempts the campaign could not judge (e.g. the victim never answered); never counted as blocked.</summary>
    public int Unjudged { get; init; }

    public IReadOnlyDictionary<string, int> BlockedBy { get; init; } = new Dictionary<string, int>();

    public string Notes { get; init; } = string.Empty;

    public double DurationMs { get; init; }

    /// <summary>Flood only: p99 end-to-end latency (ms) of legit readings sent during the flood.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? LegitP99Ms { get; init; }
}
