using System.Text.Json;
using Xunit.Abstractions;

namespace SmartHome.IntegrationTests;

/// <summary>
/// The dashboard command "Audit broker" on both lab brokers of the running app: it runs the audit against the broker's
/// real endpoint, says what it found and where the report is, and the report holds the expected answers (the insecure
/// broker open, the secure one with nothing above low).
/// </summary>
[Collection(SmartHomeAppCollection.Name)]
public sealed class BrokerAuditCommandTests(SmartHomeAppFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task The_audit_command_reports_each_lab_broker()
    {
        await fixture.WaitHealthyAsync("insecure-broker", "secure-broker");

        var insecure = await RunAsync("insecure-broker");
        var insecureFindings = insecure.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.GetProperty("ruleId").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "anonymous-access", "tls-not-offered", "wildcard-read", "publish-outside-own-topics", "client-id-takeover", "session-leakage" },
            insecureFindings);

        var secure = await RunAsync("secure-broker");
        Assert.Equal("user 'auditor'", secure.RootElement.GetProperty("identity").GetString());
        var secureFindings = secure.RootElement.GetProperty("findings").EnumerateArray().ToList();
        Assert.All(secureFindings, f => Assert.Contains(f.GetProperty("severity").GetString(), new[] { "info", "low" }));
        Assert.All(secure.RootElement.GetProperty("checks").EnumerateArray(),
            c => Assert.NotEqual("error", c.GetProperty("status").GetString()));
    }

    private async Task<JsonDocument> RunAsync(string broker)
    {
        var result = await fixture.App.ResourceCommands.ExecuteCommandAsync(broker, SmartHome.AppHost.BrokerAuditCommand.Name);
        output.WriteLine($"{broker}: {result.Message}");
        Assert.True(result.Success, result.Message);
        var uri = result.Message!.Split("Report: ")[1].Trim();
        var markdown = new Uri(uri).LocalPath;
        var json = Path.ChangeExtension(markdown, ".json");
        Assert.True(File.Exists(markdown) && File.Exists(json) && File.Exists(Path.ChangeExtension(markdown, ".sarif")), uri);
        var document = JsonDocument.Parse(await File.ReadAllTextAsync(json));
        foreach (var extension in new[] { ".md", ".json", ".sarif" })
        {
            File.Delete(Path.ChangeExtension(markdown, extension));
        }

        return document;
    }
}
