using System.Globalization;
using System.Text.Json;

namespace SmartHome.Report;

/// <summary>Runs the attacker's campaign (issue 5 contract: POST /campaign?attempts=N on each attacker) and parses its answer.</summary>
public static class Campaign
{
    public static async Task<List<AttackResult>> RunAsync(HttpClient attacker, string pipeline, int attempts, double announcementFloodSeconds,
        CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(attacker);
        using var response = await attacker.PostAsync(
            new Uri(string.Create(CultureInfo.InvariantCulture, $"/campaign?attempts={attempts}&announcementFloodSeconds={announcementFloodSeconds}"), UriKind.Relative), null, ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{pipeline}-attacker /campaign answered {(int)response.StatusCode}: {Truncate(body)}");
        }

        return Parse(body, pipeline);
    }

    /// <summary>
    /// Parses a campaign answer: a JSON array of results, or an object holding one under "results" or "attacks".
    /// A result without a pipeline gets <paramref name="defaultPipeline"/>.
    /// </summary>
    public static List<AttackResult> Parse(string json, string defaultPipeline)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Object)
        {
            foreach (var name in new[] { "results", "attacks" })
            {
                if (TryGet(root, name, out var list) && list.ValueKind == JsonValueKind.Array)
                {
                    root = list;
                    break;
                }
            }
        }

        if (root.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("The campaign answer is not a list of attack results.");
        }

        var results = new List<AttackResult>();
        foreach (var e in root.EnumerateArray())
        {
            var blocked = new Dictionary<string, int>(StringComparer.Ordinal);
            if (TryGet(e, "blockedBy", out var b) && b.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in b.EnumerateObject())
                {
                    if (p.Value.TryGetInt32(out var n))
                    {
                        blocked[p.Name] = n;
                    }
                }
            }

            results.Add(new AttackResult(
                Str(e, "pipeline") ?? defaultPipeline,
                Str(e, "attack") ?? throw new JsonException("An attack result has no 'attack'."),
                Str(e, "level") ?? "unknown",
                Int(e, "attempts"),
                Int(e, "succeeded"),
                blocked,
                Str(e, "notes")) { Unjudged = Int(e, "unjudged") });
        }

        return results;
    }

    private static bool TryGet(JsonElement e, string name, out JsonElement value)
    {
        foreach (var p in e.EnumerateObject())
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                value = p.Value;
                return true;
            }
        }

        value = default;
        return false;
    }

    private static string? Str(JsonElement e, string name) =>
        TryGet(e, name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => v.ToString(),
        } : null;

    private static int Int(JsonElement e, string name) => TryGet(e, name, out var v) && v.TryGetInt32(out var n) ? n : 0;

    private static string Truncate(string s) => s.Length > 300 ? s[..300] + "..." : s;
}
