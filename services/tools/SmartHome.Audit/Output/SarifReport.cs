using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SmartHome.Audit.Output;

/// <summary>
/// SARIF 2.1.0 for CI systems and code-scanning dashboards: one rule per <see cref="Rules"/> entry (its fix as help),
/// one result per finding. A broker is not a source file, so each result points at the broker's configuration file
/// (<c>mosquitto.conf</c>, where the fix goes) and names the broker URI as its logical location.
/// </summary>
public static class SarifReport
{
    public const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";
    public const string ConfigArtifact = "mosquitto.conf";

    public static string Render(AuditReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var rules = new JsonArray();
        foreach (var rule in Rules.All)
        {
            rules.Add(new JsonObject
            {
                ["id"] = rule.Id,
                ["name"] = Pascal(rule.Id),
                ["shortDescription"] = new JsonObject { ["text"] = rule.Title },
                ["fullDescription"] = new JsonObject { ["text"] = rule.Impact },
                ["help"] = new JsonObject
                {
                    ["text"] = "Fix (mosquitto.conf): " + rule.Fix,
                    ["markdown"] = "**Fix (mosquitto.conf):**\n\n```\n" + rule.Fix + "\n```",
                },
                ["defaultConfiguration"] = new JsonObject { ["level"] = Level(rule.DefaultSeverity) },
                ["properties"] = new JsonObject
                {
                    ["tags"] = new JsonArray("security", "mqtt"),
                    ["security-severity"] = SecuritySeverity(rule.DefaultSeverity),
                    ["enablesAttacks"] = new JsonArray([.. rule.EnablesAttacks.Select(a => (JsonNode?)JsonValue.Create(a))]),
                },
            });
        }

        var results = new JsonArray();
        foreach (var finding in report.Findings)
        {
            results.Add(new JsonObject
            {
                ["ruleId"] = finding.RuleId,
                ["ruleIndex"] = Rules.All.ToList().FindIndex(r => r.Id == finding.RuleId),
                ["level"] = Level(finding.Severity),
                ["message"] = new JsonObject { ["text"] = $"{finding.Message} Fix: {finding.Fix.Replace('\n', ' ')}" },
                ["locations"] = new JsonArray(new JsonObject
                {
                    ["physicalLocation"] = new JsonObject
                    {
                        ["artifactLocation"] = new JsonObject { ["uri"] = ConfigArtifact },
                        ["region"] = new JsonObject { ["startLine"] = 1 },
                    },
                    ["logicalLocations"] = new JsonArray(new JsonObject { ["name"] = report.Target, ["kind"] = "module" }),
                }),
                ["partialFingerprints"] = new JsonObject { ["brokerRule/v1"] = $"{report.Target}|{finding.RuleId}" },
                ["properties"] = new JsonObject
                {
                    ["severity"] = finding.Severity.Name(),
                    ["security-severity"] = SecuritySeverity(finding.Severity),
                    ["check"] = finding.Check,
                    ["impact"] = finding.Impact,
                    ["enablesAttacks"] = new JsonArray([.. finding.EnablesAttacks.Select(a => (JsonNode?)JsonValue.Create(a))]),
                    ["evidence"] = new JsonArray([.. finding.Evidence.Select(e => (JsonNode?)new JsonObject { ["sent"] = e.Sent, ["received"] = e.Received })]),
                },
            });
        }

        var sarif = new JsonObject
        {
            ["$schema"] = SchemaUri,
            ["version"] = "2.1.0",
            ["runs"] = new JsonArray(new JsonObject
            {
                ["tool"] = new JsonObject
                {
                    ["driver"] = new JsonObject
                    {
                        ["name"] = Auditor.ToolName,
                        ["version"] = report.ToolVersion,
                        ["semanticVersion"] = report.ToolVersion,
                        ["informationUri"] = "https://mosquitto.org/man/mosquitto-conf-5.html",
                        ["rules"] = rules,
                    },
                },
                ["automationDetails"] = new JsonObject { ["id"] = $"smarthome-audit/{report.Target}/{report.RunId}" },
                ["invocations"] = new JsonArray(new JsonObject
                {
                    ["executionSuccessful"] = report.Checks.All(c => c.Status != CheckStatus.Error),
                    ["startTimeUtc"] = report.StartedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                    ["endTimeUtc"] = report.StartedAt.AddMilliseconds(report.DurationMs).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
                    ["toolExecutionNotifications"] = new JsonArray([.. report.Checks.Where(c => c.Status is CheckStatus.Error or CheckStatus.Skipped)
                        .Select(c => (JsonNode?)new JsonObject
                        {
                            ["level"] = c.Status == CheckStatus.Error ? "error" : "note",
                            ["message"] = new JsonObject { ["text"] = $"{c.Check}: {c.Status.ToString().ToLowerInvariant()}: {c.Summary}" },
                        })]),
                }),
                ["properties"] = new JsonObject { ["target"] = report.Target, ["identity"] = report.Identity, ["probeTopicRoot"] = report.ProbeTopicRoot },
                ["results"] = results,
            }),
        };
        return sarif.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>SARIF levels: critical and high are errors, medium a warning, low and info notes.</summary>
    public static string Level(Severity severity) => severity switch
    {
        Severity.Critical or Severity.High => "error",
        Severity.Medium => "warning",
        _ => "note",
    };

    /// <summary>The 0.0–10.0 score GitHub code scanning reads from "security-severity" (CVSS-like bands).</summary>
    public static string SecuritySeverity(Severity severity) => severity switch
    {
        Severity.Critical => "9.5",
        Severity.High => "8.0",
        Severity.Medium => "5.5",
        Severity.Low => "3.0",
        _ => "0.0",
    };

    private static string Pascal(string id) => string.Concat(id.Split('-').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
}
