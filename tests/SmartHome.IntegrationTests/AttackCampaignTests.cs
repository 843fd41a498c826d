using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using SmartHome.AppHost;
using SmartHome.Contracts;
using Xunit.Abstractions;

namespace SmartHome.IntegrationTests;

/// <summary>The AppHost on the host's Mosquitto; starts nothing where mosquitto is missing (its tests are skipped there).</summary>
public sealed class MosquittoAppFixture : IAsyncLifetime
{
    public SmartHomeAppFixture App { get; } = new();

    // Explicit, so this run is Mosquitto's half of the comparison even if the default ever changes.
    public MosquittoAppFixture() => App.ExtraArgs.Add("--Broker:Mode=executable");

    public Task InitializeAsync() => HostTools.Available("mosquitto") ? App.InitializeAsync() : Task.CompletedTask;

    public Task DisposeAsync() => HostTools.Available("mosquitto") ? App.DisposeAsync() : Task.CompletedTask;
}

/// <summary>
/// Issue 5's expected result, measured: the same attack catalogue against both pipelines, every attempt judged by the
/// victim actuator's own decision log. Its own app instance (attacks must not disturb the other test classes). This is
/// the Mosquitto half of a comparison (<see cref="EmbeddedAttackCampaignTests"/> is the embedded half, which runs
/// everywhere), so without mosquitto it is skipped rather than run a second time on the embedded broker.
/// </summary>
public sealed class AttackCampaignTests(MosquittoAppFixture mosquitto, ITestOutputHelper output) : IClassFixture<MosquittoAppFixture>
{
    [ToolFact("mosquitto")]
    public Task Insecure_pipeline_loses_the_classic_attacks_and_secure_pipeline_blocks_everything_without_false_rejections() =>
        new AttackCampaign(mosquitto.App, output).RunAsync();
}

/// <summary>The campaign and its assertions, run against the app of <paramref name="fixture"/> (Mosquitto or embedded brokers).</summary>
public sealed class AttackCampaign(SmartHomeAppFixture fixture, ITestOutputHelper output)
{
    private static readonly string[] ClassicAttacks = ["eavesdrop", "inject", "tamper", "replay"];

    private static readonly string[] OtherAttacks =
    [
        "replay-cross-topic", "key-substitution", "downgrade", "wildcard-subscribe", "credential-guessing", "client-id-takeover",
        "retained-poisoning", "malformed", "oversized", "flood", "capability-abuse", "implausible-value", "announcement-flood",
        "ack-forgery", "suite-downgrade",
    ];

    /// <summary>The announcement flood runs at 1,000/s; the test keeps it short (the report runs the full 60 s).</summary>
    private const double AnnouncementFloodSeconds = 3;

    /// <summary>The device whose login and key the insider stole.</summary>
    private const string StolenDevice = "plug-garage";

    public async Task RunAsync()
    {
        var clock = Stopwatch.StartNew();
        await fixture.WaitHealthyAsync("insecure-broker", "insecure-actuator", "insecure-sensor", "secure-broker", "secure-actuator", "secure-sensor");
        var commands = fixture.App.Services.GetRequiredService<ResourceCommandService>();
        foreach (var attacker in new[] { "insecure-attacker", "secure-attacker" })
        {
            // Explicit start: the attackers do not run until someone starts them.
            var started = await commands.ExecuteCommandAsync(attacker, KnownResourceCommands.StartCommand);
            Assert.True(started.Success, $"start {attacker}: {started.Message}");
        }

        await fixture.WaitHealthyAsync("insecure-attacker", "secure-attacker");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(8));

        // Insecure: 100 attempts of the classic four (and the restart replay), 10 of the rest to show them too.
        var insecure = await AttackerResources.RunCampaignAsync(fixture.App.Services, "insecure", 100,
            string.Join(',', ClassicAttacks.Append("replay-after-restart")), cts.Token);
        var insecureOthers = await AttackerResources.RunCampaignAsync(fixture.App.Services, "insecure", 10, string.Join(',', OtherAttacks), cts.Token,
            AnnouncementFloodSeconds);

        // Secure: 100 attempts of everything, while the test itself keeps sending legit readings it will account for.
        var secureActuator = fixture.Http("secure-actuator");
        var startSeq = (await secureActuator.GetAsync<JsonElement>("/decisions/summary")).GetProperty("total").GetInt64();
        var secureSensor = fixture.Http("secure-sensor");
        secureSensor.Timeout = TimeSpan.FromMinutes(5);
        var legitTask = PublishLegitAsync(secureSensor, cts.Token);
        var secure = await AttackerResources.RunCampaignAsync(fixture.App.Services, "secure", 100,
            string.Join(',', ClassicAttacks.Concat(OtherAttacks)), cts.Token, AnnouncementFloodSeconds);
        var legitIds = await legitTask;
        // The decision log lives in the actuator's memory: read it before replay-after-restart restarts the actuator.
        await Task.Delay(1000, cts.Token);
        var decisions = await secureActuator.GetAsync<List<Decision>>($"/decisions?after={startSeq}&limit=100000") ?? [];
        var secureRestart = await AttackerResources.RunCampaignAsync(fixture.App.Services, "secure", 100, "replay-after-restart", cts.Token);
        var afterRestart = await secureActuator.GetAsync<List<Decision>>("/decisions?after=0&limit=100000") ?? [];

        var results = Results(insecure).Concat(Results(insecureOthers)).Concat(Results(secure)).Concat(Results(secureRestart)).ToList();
        output.WriteLine(Table(results));
        output.WriteLine($"campaign test: {clock.Elapsed.TotalSeconds:0} s");
        await File.WriteAllTextAsync(Path.Combine(Path.GetTempPath(), "smarthome-attack-campaign.md"),
            Table(results) + $"\ncampaign test: {clock.Elapsed.TotalSeconds:0} s\n");

        // Insecure: the four classic attacks succeed every time, at every level (anyone may use the broker).
        foreach (var r in results.Where(r => r.Pipeline == "insecure" && ClassicAttacks.Contains(r.Attack)))
        {
            Assert.True(r.Attempts == 100 && r.Succeeded == 100, $"insecure {r.Attack}/{r.Level}: {r.Succeeded}/{r.Attempts} ({r.Notes})");
        }

        // Secure: no success anywhere, every attempt judged, 100 attempts of every applicable attack × level.
        var secureResults = results.Where(r => r.Pipeline == "secure").ToList();
        Assert.Equal(ClassicAttacks.Length + OtherAttacks.Length + 1, secureResults.Select(r => r.Attack).Distinct().Count());
        foreach (var r in secureResults)
        {
            Assert.True(r.Succeeded == 0, $"secure {r.Attack}/{r.Level} succeeded {r.Succeeded}/{r.Attempts}: {r.Notes}");
            Assert.True(r.Unjudged == 0, $"secure {r.Attack}/{r.Level}: {r.Unjudged} attempts could not be judged ({r.Notes})");
            var expected = r.Attack == "announcement-flood" ? (int)(AnnouncementFloodSeconds * 1000) : 100;
            Assert.True(r.Attempts == expected || (r.Attempts == 0 && r.Notes.StartsWith("not applicable", StringComparison.Ordinal)),
                $"secure {r.Attack}/{r.Level}: {r.Attempts} attempts ({r.Notes})");
        }

        // The announcement flood's latency goal (other devices' p99 < 20 ms) is measured by the report in Release, not
        // asserted here: a timed assertion on a shared CI machine would only measure the machine. Loss is asserted below.

        // The secure pipeline's own readings: none rejected, none lost, during the whole campaign (restart included).
        Assert.True(decisions.Count > 0 && afterRestart.Count > 0, "the secure actuator's decision logs were read");
        // The insider holds plug-garage's key: its sealed messages advance plug-garage's replay window and replace its session
        // key, so the real plug-garage's later readings are refused (replay, unknown-key). A stolen key lets its holder jam
        // that device; that is the insider's reach, not a false rejection. Every other device must lose nothing.
        var legitRejections = decisions.Concat(afterRestart).Where(d => d.Verdict == "rejected" && d.AttemptId is null).ToList();
        var jammed = legitRejections.Where(d => d.Sender == StolenDevice && d.Reason is "replay" or "unknown-key").ToList();
        // The insider logs in as plug-garage, which knocks the real plug-garage sensor off the broker; the sensor
        // re-sends its unacknowledged QoS 1 readings, and a copy of one already applied is refused by the replay
        // window. That is a duplicate, not a lost reading (the check below proves every legit reading was applied);
        // any other reason would be a false rejection.
        // A reading re-sent from the sensor's outbox after its acknowledgement was lost or late is acknowledged again and
        // refused as a `duplicate` of the applied one: also not a loss.
        var falseRejections = legitRejections.Except(jammed).Where(d => d.Reason is not ("replay" or "duplicate")).ToList();
        Console.WriteLine($"secure: {legitRejections.Count - falseRejections.Count} legit messages refused as redelivered duplicates " +
                          $"or as the stolen device's ({jammed.Count} of {StolenDevice})");
        Assert.True(falseRejections.Count == 0,
            "legit messages rejected: " + string.Join("; ", falseRejections.Take(5).Select(d => $"{d.Topic} {d.Reason}")));
        var applied = decisions.Where(d => d.Verdict == "applied" && d.MessageId is not null).Select(d => d.MessageId!).ToHashSet();
        var stolen = legitIds.Where(r => r.DeviceId == StolenDevice).ToList();
        var lost = legitIds.Where(r => r.DeviceId != StolenDevice && !applied.Contains(r.MessageId)).ToList();
        Console.WriteLine($"secure: {stolen.Count(r => applied.Contains(r.MessageId))} of {stolen.Count} legit readings of the stolen {StolenDevice} applied");
        Assert.True(legitIds.Count >= 100 && stolen.Count < legitIds.Count / 2, $"the test published {legitIds.Count} legit readings");
        Assert.True(lost.Count == 0, $"{lost.Count} of {legitIds.Count - stolen.Count} legit readings of the other devices were not applied");

        // Each attempt is a span the dashboard shows (the dashboard keeps the newest traces: look at the last attack).
        var dashboard = fixture.HttpWithoutSecret("aspire-dashboard");
        dashboard.Timeout = TimeSpan.FromSeconds(60);
        await fixture.EventuallyAsync(async () =>
        {
            using var document = JsonDocument.Parse(await dashboard.GetStringAsync("/api/telemetry/spans?resource=secure-attacker"));
            return DashboardSpans.Read(document.RootElement).FirstOrDefault(s => s.Name.StartsWith("attack ", StringComparison.Ordinal)
                && s.Attributes.GetValueOrDefault("smarthome.pipeline") == "secure"
                && s.Attributes.GetValueOrDefault("smarthome.attack.outcome") == "blocked"
                && s.Attributes.ContainsKey("smarthome.attack.blocked_by"));
        }, TimeSpan.FromSeconds(120), "a blocked 'attack ...' span of the secure attacker");
    }

    /// <summary>Legit readings through the secure sensor's own API, a few at a time, until the campaign ends.</summary>
    private static async Task<List<(string MessageId, string DeviceId)>> PublishLegitAsync(HttpClient sensor, CancellationToken ct)
    {
        var ids = new List<(string MessageId, string DeviceId)>();
        for (var i = 0; i < 15; i++)
        {
            var response = await sensor.PostAsync("/publish?count=20&ratePerSecond=20", null, ct);
            response.EnsureSuccessStatusCode();
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct))!;
            var devices = body["deviceIds"]!.AsArray();
            ids.AddRange(body["messageIds"]!.AsArray().Select((n, i) => (n!.GetValue<string>(), devices[i]!.GetValue<string>())));
            await Task.Delay(2000, ct);
        }

        return ids;
    }

    private static IEnumerable<AttackResult> Results(CampaignReport report) => report.Results;

    private static string Table(IEnumerable<AttackResult> rows)
    {
        var sb = new System.Text.StringBuilder("| pipeline | attack | level | attempts | succeeded | blocked by | notes |\n| --- | --- | --- | ---: | ---: | --- | --- |\n");
        foreach (var r in rows)
        {
            sb.Append(System.Globalization.CultureInfo.InvariantCulture,
                $"| {r.Pipeline} | {r.Attack} | {r.Level} | {r.Attempts} | {r.Succeeded} | {string.Join(", ", r.BlockedBy.Select(b => $"{b.Key} {b.Value}"))}{(r.Unjudged > 0 ? $" unjudged {r.Unjudged}" : string.Empty)} | {r.Notes} |\n");
        }

        return sb.ToString();
    }
}
