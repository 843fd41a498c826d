using System.Globalization;
using System.Text.Json;
using SmartHome.Contracts;

namespace SmartHome.Report;

/// <summary>Runs the attacker's campaign (<c>POST /campaign?attempts=N</c> on each attacker) and reads its answer.</summary>
public static class Campaign
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<IReadOnlyList<AttackResult>> RunAsync(HttpClient attacker, string pipeline, int attempts, double announcementFloodSeconds,
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

        return Parse(body);
    }

    /// <summary>The results of a campaign answer (the attacker's <see cref="CampaignReport"/>).</summary>
    public static IReadOnlyList<AttackResult> Parse(string json) =>
        (JsonSerializer.Deserialize<CampaignReport>(json, Json) ?? throw new JsonException("The campaign answer is empty.")).Results;

    private static string Truncate(string s) => s.Length > 300 ? s[..300] + "..." : s;
}
