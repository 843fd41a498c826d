using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmartHome.Report;

/// <summary>results.json: camelCase, indented; the contract outside tools and tests read.</summary>
public static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string Render(ReportResults results) => JsonSerializer.Serialize(results, Options);

    public static ReportResults Parse(string json) =>
        JsonSerializer.Deserialize<ReportResults>(json, Options) ?? throw new JsonException("results.json is empty.");
}
