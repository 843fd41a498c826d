using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using SmartHome.Audit.Output;

namespace SmartHome.Audit.Tests;

/// <summary>The three output formats and the exit code, on real audits of the fixture brokers.</summary>
public sealed class OutputTests(AuditBrokers brokers) : IClassFixture<AuditBrokers>
{
    [Fact]
    public async Task The_json_report_matches_its_documented_schema()
    {
        var schema = JsonSchema.FromText(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "audit.schema.json")));
        foreach (var kind in Enum.GetValues<BrokerKind>())
        {
            var report = await brokers.AuditAsync(brokers.Get(kind, "embedded"));
            using var json = JsonDocument.Parse(ReportWriter.Render(report, ReportFormat.Json));
            var result = schema.Evaluate(json.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            Assert.True(result.IsValid, $"{kind}: " + string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
        }
    }

    [Fact]
    public void Every_rule_is_in_the_schema_and_every_attack_name_is_the_catalogues()
    {
        var schema = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "audit.schema.json")))!;
        var ruleIds = schema["$defs"]!["finding"]!["properties"]!["ruleId"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        Assert.Equal(Rules.All.Select(r => r.Id), ruleIds);
        var attacks = schema["$defs"]!["finding"]!["properties"]!["enablesAttacks"]!["items"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()).ToHashSet();
        Assert.All(attacks, a => Assert.True(SmartHome.Attacker.Attacks.IsKnown(a), a));
        Assert.All(Rules.All.SelectMany(r => r.EnablesAttacks), a => Assert.Contains(a, attacks));
        Assert.Equal(Rules.All.Count, Rules.All.Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public async Task Sarif_is_version_2_1_0_with_a_rule_and_a_location_for_every_result()
    {
        var report = await brokers.AuditAsync(brokers.Get(BrokerKind.Seed, "embedded"));
        using var sarif = JsonDocument.Parse(ReportWriter.Render(report, ReportFormat.Sarif));
        var root = sarif.RootElement;
        Assert.Equal("2.1.0", root.GetProperty("version").GetString());
        var run = root.GetProperty("runs")[0];
        var rules = run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
        var results = run.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(report.Findings.Count, results.Count);
        foreach (var result in results)
        {
            var ruleId = result.GetProperty("ruleId").GetString();
            Assert.Equal(ruleId, rules[result.GetProperty("ruleIndex").GetInt32()]);
            Assert.Contains(result.GetProperty("level").GetString(), new[] { "error", "warning", "note" });
            Assert.False(string.IsNullOrEmpty(result.GetProperty("message").GetProperty("text").GetString()));
            var location = result.GetProperty("locations")[0];
            Assert.Equal(SarifReport.ConfigArtifact, location.GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString());
            Assert.Equal(report.Target, location.GetProperty("logicalLocations")[0].GetProperty("name").GetString());
        }
    }

    [Fact]
    public async Task Markdown_shows_each_finding_with_its_fix_and_evidence()
    {
        var report = await brokers.AuditAsync(brokers.Get(BrokerKind.Insecure, "embedded"));
        var markdown = MarkdownReport.Render(report);
        foreach (var finding in report.Findings)
        {
            Assert.Contains($"(`{finding.RuleId}`)", markdown, StringComparison.Ordinal);
            Assert.Contains(finding.Fix, markdown, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_exit_code_is_zero_only_without_a_finding_at_or_above_fail_on()
    {
        var insecure = brokers.Get(BrokerKind.Insecure, "embedded");
        var secure = brokers.Get(BrokerKind.Secure, "embedded");
        var auditorPassword = brokers.PasswordFileOf(SmartHome.Security.BrokerAcl.Auditor);
        string[] quick = ["--listen-seconds", "0.5", "--plaintext-port", "0", "-q", "--format", "json"];
        Assert.Equal(1, await RunAsync([insecure.Uri, "--fail-on", "high", .. quick]));
        Assert.Equal(0, await RunAsync([insecure.Uri, "--fail-on", "critical", .. quick]));
        Assert.Equal(0, await RunAsync([secure.Uri, "--ca", brokers.CaFile, "-u", "auditor", "--password-file", auditorPassword, "--fail-on", "low", .. quick]));
        Assert.Equal(2, await RunAsync(["http://example.invalid", .. quick]));
        Assert.Equal(2, await RunAsync([insecure.Uri, "--guess-limit", "100000", .. quick]));
        Assert.Equal(2, await RunAsync([insecure.Uri, "--fail-on", "severe", .. quick]));
    }

    [Fact]
    public async Task Without_the_opt_in_flags_guessing_and_takeover_do_not_run()
    {
        var broker = brokers.Get(BrokerKind.Insecure, "embedded");
        var options = brokers.KnownAnswerOptions(broker) with { AllowCredentialGuessing = false, AllowTakeover = false };
        var report = await Auditor.RunAsync(options, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None);
        Assert.Equal(CheckStatus.Skipped, report.Checks.Single(c => c.Check == "credential-guessing").Status);
        Assert.Equal(CheckStatus.Skipped, report.Checks.Single(c => c.Check == "client-id-takeover").Status);
        Assert.DoesNotContain(report.Findings, f => f.RuleId is "client-id-takeover" or "any-credentials-accepted" or "no-login-throttling");
    }

    private static async Task<int> RunAsync(string[] args)
    {
        using var stdout = new StringWriter();
        return await AuditCommandLine.RunAsync(args, stdout);
    }
}
