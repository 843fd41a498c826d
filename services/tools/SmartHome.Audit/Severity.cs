using System.Text.Json.Serialization;

namespace SmartHome.Audit;

/// <summary>How bad a finding is, lowest first; <c>--fail-on</c> compares with this order.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Severity>))]
public enum Severity
{
    [JsonStringEnumMemberName("info")]
    Info,

    [JsonStringEnumMemberName("low")]
    Low,

    [JsonStringEnumMemberName("medium")]
    Medium,

    [JsonStringEnumMemberName("high")]
    High,

    [JsonStringEnumMemberName("critical")]
    Critical,
}

/// <summary>Severity names as written in reports and accepted by <c>--fail-on</c>.</summary>
public static class SeverityNames
{
    public static string Name(this Severity severity) => severity switch
    {
        Severity.Info => "info",
        Severity.Low => "low",
        Severity.Medium => "medium",
        Severity.High => "high",
        _ => "critical",
    };

    public static bool TryParse(string? text, out Severity severity)
    {
        foreach (var candidate in Enum.GetValues<Severity>())
        {
            if (string.Equals(candidate.Name(), text, StringComparison.OrdinalIgnoreCase))
            {
                severity = candidate;
                return true;
            }
        }

        severity = Severity.Info;
        return false;
    }
}
