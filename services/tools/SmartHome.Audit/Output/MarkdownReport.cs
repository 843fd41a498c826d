using System.Globalization;
using System.Text;

namespace SmartHome.Audit.Output;

/// <summary>The report for people: findings worst first, each with evidence, impact on the lab and the Mosquitto fix.</summary>
public static class MarkdownReport
{
    public static string Render(AuditReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(c, $"# MQTT broker audit: {report.Target}\n\n");
        sb.Append(c, $"- address: {report.Address}; identity: {report.Identity}\n");
        sb.Append(c, $"- run {report.RunId}, started {report.StartedAt:yyyy-MM-dd HH:mm:ss} UTC, {report.DurationMs / 1000:F1} s; probe topics under `{report.ProbeTopicRoot}/`\n");
        sb.Append(c, $"- {report.Tool} {report.ToolVersion}\n\n");

        var findings = report.Findings;
        sb.Append(c, $"## Summary: {findings.Count} finding(s)");
        sb.Append(report.HighestSeverity is { } highest ? $", highest {highest.Name()}\n\n" : "\n\n");
        sb.Append("| severity | count |\n| --- | ---: |\n");
        foreach (var severity in Enum.GetValues<Severity>().Reverse())
        {
            sb.Append(c, $"| {severity.Name()} | {findings.Count(f => f.Severity == severity)} |\n");
        }

        sb.Append("\n## Checks\n\n| check | status | time | summary |\n| --- | --- | ---: | --- |\n");
        foreach (var check in report.Checks)
        {
            sb.Append(c, $"| {check.Check} | {check.Status.ToString().ToLowerInvariant()} | {check.DurationMs:F0} ms | {Cell(check.Summary)} |\n");
        }

        sb.Append("\n## Findings\n");
        if (findings.Count == 0)
        {
            sb.Append("\nNone.\n");
        }

        foreach (var finding in findings)
        {
            sb.Append(c, $"\n### {finding.Severity.Name().ToUpperInvariant()}: {finding.Title} (`{finding.RuleId}`)\n\n");
            sb.Append(finding.Message).Append("\n\n");
            sb.Append("**What an attacker can do against the lab:** ").Append(finding.Impact).Append('\n');
            if (finding.EnablesAttacks.Count > 0)
            {
                sb.Append("Catalogue attacks it enables: ").Append(string.Join(", ", finding.EnablesAttacks.Select(a => $"`{a}`"))).Append(".\n");
            }

            sb.Append("\n**Fix (mosquitto.conf):**\n\n```\n").Append(finding.Fix).Append("\n```\n\n");
            sb.Append("**Evidence** (check `").Append(finding.Check).Append("`):\n\n| sent | received |\n| --- | --- |\n");
            foreach (var e in finding.Evidence)
            {
                sb.Append(c, $"| {Cell(e.Sent)} | {Cell(e.Received)} |\n");
            }
        }

        sb.Append("\n## Evidence of every check\n");
        foreach (var check in report.Checks.Where(c => c.Evidence.Count > 0))
        {
            sb.Append(c, $"\n<details><summary>{check.Check}: {check.Status.ToString().ToLowerInvariant()}</summary>\n\n| sent | received |\n| --- | --- |\n");
            foreach (var e in check.Evidence)
            {
                sb.Append(c, $"| {Cell(e.Sent)} | {Cell(e.Received)} |\n");
            }

            sb.Append("\n</details>\n");
        }

        return sb.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", "<br>", StringComparison.Ordinal);
}
