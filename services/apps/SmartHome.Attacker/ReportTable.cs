using SmartHome.Contracts;

namespace SmartHome.Attacker;

/// <summary>A campaign as a Markdown table (CLI output, README, dashboard command message).</summary>
public static class ReportTable
{
    public static string Render(CampaignReport report)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine("| pipeline | attack | level | attempts | succeeded | blocked by |");
        sb.AppendLine("| --- | --- | --- | ---: | ---: | --- |");
        foreach (var r in report.Results)
        {
            var blocked = string.Join(", ", r.BlockedBy.OrderByDescending(b => b.Value).Select(b => $"{b.Key} {b.Value}"));
            if (r.Unjudged > 0)
            {
                blocked += $" (unjudged {r.Unjudged})";
            }

            sb.AppendLine(System.Globalization.CultureInfo.InvariantCulture,
                $"| {r.Pipeline} | {r.Attack} | {r.Level} | {r.Attempts} | {r.Succeeded} | {(r.Attempts == 0 ? r.Notes : blocked)} |");
        }

        return sb.ToString();
    }
}
