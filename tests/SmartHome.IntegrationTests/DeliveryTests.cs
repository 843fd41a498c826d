using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace SmartHome.IntegrationTests;

/// <summary>The app on the host's Mosquitto, quiet (no steady readings): the delivery scenarios' own instance.</summary>
public sealed class MosquittoDeliveryFixture : IAsyncLifetime
{
    public SmartHomeAppFixture App { get; } = new();

    public MosquittoDeliveryFixture()
    {
        App.ExtraArgs.Add("--Broker:Mode=executable");
        App.ExtraArgs.Add("--Sensor:ReadingsPerSecond=0");
    }

    public Task InitializeAsync() => HostTools.Find("mosquitto") is null ? Task.CompletedTask : App.InitializeAsync();

    public Task DisposeAsync() => HostTools.Find("mosquitto") is null ? Task.CompletedTask : App.DisposeAsync();
}

/// <summary>The app on the embedded broker, quiet (no steady readings).</summary>
public sealed class EmbeddedDeliveryFixture : IAsyncLifetime
{
    public SmartHomeAppFixture App { get; } = new();

    public EmbeddedDeliveryFixture()
    {
        App.ExtraArgs.Add("--Broker:Mode=embedded");
        App.ExtraArgs.Add("--Sensor:ReadingsPerSecond=0");
    }

    public Task InitializeAsync() => App.InitializeAsync();

    public Task DisposeAsync() => App.DisposeAsync();
}

/// <summary>End-to-end delivery on Mosquitto: the issue's four crash scenarios on both pipelines.</summary>
public sealed class MosquittoDeliveryTests(MosquittoDeliveryFixture fixture, ITestOutputHelper output)
    : DeliveryScenarios(fixture.App, output), IClassFixture<MosquittoDeliveryFixture>
{
    [ToolTheory("mosquitto")]
    [InlineData("insecure")]
    [InlineData("secure")]
    public Task Sensor_killed_mid_burst_retransmits_its_outbox_after_restart(string pipeline) => SensorKilledMidBurstAsync(pipeline);

    [ToolTheory("mosquitto")]
    [InlineData("insecure")]
    [InlineData("secure")]
    public Task Actuator_killed_mid_burst_applies_every_reading_once(string pipeline) => ActuatorKilledMidBurstAsync(pipeline);

    [ToolTheory("mosquitto")]
    [InlineData("insecure")]
    [InlineData("secure")]
    public Task Stalled_actuator_then_broker_killed_and_restarted_loses_nothing(string pipeline) => StalledActuatorThenBrokerKilledAsync(pipeline);

    [ToolTheory("mosquitto")]
    [InlineData("insecure")]
    [InlineData("secure")]
    public Task Broker_killed_during_a_live_run_loses_nothing(string pipeline) => BrokerKilledDuringLiveRunAsync(pipeline);

    [ToolFact("mosquitto")]
    public Task Forged_or_replayed_acknowledgements_move_the_insecure_sensor_but_not_the_secure_one() => AckForgeryAsync();
}

/// <summary>End-to-end delivery on the embedded broker (in-memory sessions: everything rests on the acknowledgements).</summary>
public sealed class EmbeddedDeliveryTests(EmbeddedDeliveryFixture fixture, ITestOutputHelper output)
    : DeliveryScenarios(fixture.App, output), IClassFixture<EmbeddedDeliveryFixture>
{
    [Theory]
    [InlineData("insecure")]
    [InlineData("secure")]
    public Task Sensor_killed_mid_burst_retransmits_its_outbox_after_restart(string pipeline) => SensorKilledMidBurstAsync(pipeline);

    [Theory]
    [InlineData("insecure")]
    [InlineData("secure")]
    public Task Actuator_killed_mid_burst_applies_every_reading_once(string pipeline) => ActuatorKilledMidBurstAsync(pipeline);

    [Theory]
    [InlineData("insecure")]
    [InlineData("secure")]
    public Task Stalled_actuator_then_broker_killed_and_restarted_loses_nothing(string pipeline) => StalledActuatorThenBrokerKilledAsync(pipeline);

    [Theory]
    [InlineData("insecure")]
    [InlineData("secure")]
    public Task Broker_killed_during_a_live_run_loses_nothing(string pipeline) => BrokerKilledDuringLiveRunAsync(pipeline);

    [Fact]
    public Task Forged_or_replayed_acknowledgements_move_the_insecure_sensor_but_not_the_secure_one() => AckForgeryAsync();
}

/// <summary>
/// The issue's crash scenarios as an operator would cause them: SIGKILL and SIGSTOP on the real processes the AppHost
/// started (pids from Aspire), restarts through the resource's Start command. Every scenario is judged on the actuator's
/// side by message id, on its durable applied journal (<c>/applied</c>, which survives the actuator's own crash): every
/// reading the sensor took responsibility for is applied, and none twice.
/// </summary>
public abstract class DeliveryScenarios(SmartHomeAppFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(150);

    protected async Task SensorKilledMidBurstAsync(string pipeline)
    {
        await fixture.WaitHealthyAsync($"{pipeline}-broker", $"{pipeline}-actuator", $"{pipeline}-sensor");
        var sensorPid = await ServicePidAsync($"{pipeline}-sensor");
        var actuatorPid = await ServicePidAsync($"{pipeline}-actuator");
        var outboxFile = Path.Combine(fixture.StateDirectory, pipeline, "sensor-outbox.log");
        var before = OutboxTaken(outboxFile).ToHashSet();

        // The actuator is slow (stalled) while the burst runs, so the sensor dies holding readings nobody acknowledged.
        Kill(actuatorPid, Signal.Stop, $"{pipeline}-actuator");
        List<string> taken;
        try
        {
            var sensor = fixture.Http($"{pipeline}-sensor");
            // Aspire's endpoint proxy keeps the request open when the sensor dies under it: give up soon.
            sensor.Timeout = TimeSpan.FromSeconds(15);
            var burst = sensor.PostAsync("/publish?count=400&ratePerSecond=200", null);
            await Task.Delay(TimeSpan.FromSeconds(1));
            Kill(sensorPid, Signal.Kill, $"{pipeline}-sensor");

            // Every reading the killed sensor took into its outbox, read from its file as the crash left it (before the
            // AppHost's supervision restarts the sensor, at least 1 s later).
            taken = OutboxTaken(outboxFile).Where(id => !before.Contains(id)).ToList();
            output.WriteLine($"{pipeline}: the killed sensor had taken {taken.Count} readings");
            Assert.InRange(taken.Count, 20, 399);

            // The burst's answer is lost with the sensor (or held by Aspire's endpoint proxy until the timeout).
            try
            {
                await burst;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                output.WriteLine($"{pipeline}: the burst request ended with the sensor: {ex.GetType().Name}");
            }
        }
        finally
        {
            Kill(actuatorPid, Signal.Continue, $"{pipeline}-actuator");
        }

        // The AppHost's supervision restarts the crashed sensor by itself (restart policy); nobody presses Start.
        await fixture.EventuallyAsync(async () =>
        {
            try
            {
                return await ServicePidAsync($"{pipeline}-sensor") != sensorPid ? "restarted" : null;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                return null; // still down
            }
        }, TimeSpan.FromMinutes(2), $"the AppHost restarting the crashed {pipeline}-sensor", $"{pipeline}-sensor");
        await fixture.WaitHealthyAsync($"{pipeline}-sensor");
        var outbox = await fixture.HttpWithoutSecret($"{pipeline}-sensor").GetFromJsonAsync<JsonElement>("/outbox");
        var recovered = outbox.GetProperty("recovered").GetInt32();
        output.WriteLine($"{pipeline}: the restarted sensor recovered {recovered} unacknowledged readings from its outbox");
        Assert.True(recovered > 0, "the restarted sensor recovered the unacknowledged readings");
        await AssertEachAppliedOnceAsync(pipeline, taken);
    }

    protected async Task ActuatorKilledMidBurstAsync(string pipeline)
    {
        await fixture.WaitHealthyAsync($"{pipeline}-broker", $"{pipeline}-actuator", $"{pipeline}-sensor");
        var actuatorPid = await ServicePidAsync($"{pipeline}-actuator");
        var burst = PublishAsync(pipeline, 400, 200);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Kill(actuatorPid, Signal.Kill, $"{pipeline}-actuator");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await ExecuteAsync($"{pipeline}-actuator", KnownResourceCommands.StartCommand);
        var ids = await burst;
        await AssertEachAppliedOnceAsync(pipeline, ids);
    }

    protected async Task StalledActuatorThenBrokerKilledAsync(string pipeline)
    {
        await fixture.WaitHealthyAsync($"{pipeline}-broker", $"{pipeline}-actuator", $"{pipeline}-sensor");
        var actuatorPid = await ServicePidAsync($"{pipeline}-actuator");
        var brokerPid = BrokerPid($"{pipeline}-broker");
        Kill(actuatorPid, Signal.Stop, $"{pipeline}-actuator");
        List<string> ids;
        try
        {
            // The broker acknowledges all of them and queues them for the stalled actuator's session.
            ids = await PublishAsync(pipeline, 100, 1000);
            await Task.Delay(TimeSpan.FromSeconds(1));
            Kill(brokerPid, Signal.Kill, $"{pipeline}-broker");
            await Task.Delay(TimeSpan.FromSeconds(1));
            await ExecuteAsync($"{pipeline}-broker", KnownResourceCommands.StartCommand);
        }
        finally
        {
            Kill(actuatorPid, Signal.Continue, $"{pipeline}-actuator");
        }

        await AssertEachAppliedOnceAsync(pipeline, ids);
    }

    protected async Task BrokerKilledDuringLiveRunAsync(string pipeline)
    {
        await fixture.WaitHealthyAsync($"{pipeline}-broker", $"{pipeline}-actuator", $"{pipeline}-sensor");
        var brokerPid = BrokerPid($"{pipeline}-broker");
        var burst = PublishAsync(pipeline, 400, 100);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Kill(brokerPid, Signal.Kill, $"{pipeline}-broker");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await ExecuteAsync($"{pipeline}-broker", KnownResourceCommands.StartCommand);
        var ids = await burst;
        await AssertEachAppliedOnceAsync(pipeline, ids);
    }

    /// <summary>
    /// The attack on the new defence (catalogue attack <c>ack-forgery</c>), judged by the victim sensor's own log of the
    /// acknowledgements it accepted: on the insecure pipeline anyone's forged or replayed acknowledgement is taken; on the
    /// secure one none is, at any capability level, and each is stopped by the layer that should stop it.
    /// </summary>
    protected async Task AckForgeryAsync()
    {
        await fixture.WaitHealthyAsync("insecure-actuator", "insecure-sensor", "secure-actuator", "secure-sensor");
        var commands = fixture.App.Services.GetRequiredService<ResourceCommandService>();
        foreach (var attacker in new[] { "insecure-attacker", "secure-attacker" })
        {
            var started = await commands.ExecuteCommandAsync(attacker, KnownResourceCommands.StartCommand);
            Assert.True(started.Success, $"start {attacker}: {started.Message}");
        }

        await fixture.WaitHealthyAsync("insecure-attacker", "secure-attacker");
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        const int attempts = 20;
        foreach (var pipeline in new[] { "insecure", "secure" })
        {
            var report = await SmartHome.AppHost.AttackerResources.RunCampaignAsync(fixture.App.Services, pipeline, attempts, "ack-forgery", cts.Token);
            var results = report.Results;
            foreach (var r in results)
            {
                output.WriteLine($"{pipeline} {r.Attack} {r.Level}: {r.Succeeded}/{r.Attempts} blocked by {string.Join(", ", r.BlockedBy)} " +
                                 $"unjudged {r.Unjudged} — {r.Notes}");
            }

            Assert.Equal(3, results.Count);
            foreach (var r in results)
            {
                var (level, succeeded, total, unjudged) = (r.Level, r.Succeeded, r.Attempts, r.Unjudged);
                Assert.Equal(attempts, total);
                Assert.Equal(0, unjudged);
                if (pipeline == "insecure")
                {
                    Assert.True(succeeded == attempts, $"insecure {level}: {succeeded}/{attempts} forged acknowledgements taken");
                    continue;
                }

                Assert.True(succeeded == 0, $"secure {level}: {succeeded}/{attempts} forged acknowledgements taken");
                var blockedBy = r.BlockedBy.Keys.ToHashSet();
                var expected = level switch
                {
                    "outsider" => new[] { "broker-auth" },
                    "insider" => ["acl"],
                    _ => ["signature", "replay-window"],
                };
                Assert.True(blockedBy.SetEquals(expected), $"secure {level} blocked by {string.Join(", ", blockedBy)}");
            }
        }
    }

    /// <summary>0 lost and 0 applied twice, by message id, on the actuator's durable applied journal.</summary>
    private async Task AssertEachAppliedOnceAsync(string pipeline, IReadOnlyCollection<string> ids)
    {
        await fixture.WaitHealthyAsync($"{pipeline}-actuator");
        var started = Stopwatch.StartNew();
        Dictionary<string, int>? applied = null;
        try
        {
            applied = await fixture.EventuallyAsync(async () =>
            {
                var now = await fixture.HttpWithoutSecret($"{pipeline}-actuator").GetFromJsonAsync<Dictionary<string, int>>("/applied");
                return now is not null && ids.All(now.ContainsKey) ? now : null;
            }, DeliveryTimeout, $"every one of {ids.Count} readings applied on the {pipeline} pipeline", $"{pipeline}-actuator", $"{pipeline}-sensor");
        }
        finally
        {
            var last = applied ?? await fixture.HttpWithoutSecret($"{pipeline}-actuator").GetFromJsonAsync<Dictionary<string, int>>("/applied") ?? [];
            output.WriteLine($"{pipeline}: {ids.Count} readings, {ids.Count(last.ContainsKey)} applied, {ids.Count(id => !last.ContainsKey(id))} lost, " +
                             $"{ids.Count(id => last.GetValueOrDefault(id) > 1)} applied twice; all in after {started.Elapsed.TotalSeconds:F1} s");
        }

        // Nothing the sensor still holds stays unacknowledged for good: its outbox drains. Only then is "applied twice"
        // final (a late retransmission must not be applied again either).
        await fixture.EventuallyAsync(async () =>
        {
            var outbox = await fixture.HttpWithoutSecret($"{pipeline}-sensor").GetFromJsonAsync<JsonElement>("/outbox");
            return outbox.GetProperty("pending").GetInt32() == 0 ? (object)outbox : null;
        }, DeliveryTimeout, $"the {pipeline} sensor's outbox drained", $"{pipeline}-sensor");
        var final = await fixture.HttpWithoutSecret($"{pipeline}-actuator").GetFromJsonAsync<Dictionary<string, int>>("/applied") ?? [];
        var twice = ids.Where(id => final.GetValueOrDefault(id) != 1).ToList();
        output.WriteLine($"{pipeline}: after the outbox drained, {twice.Count} of {ids.Count} readings applied other than once");
        Assert.True(twice.Count == 0, $"applied other than once: {string.Join(", ", twice.Take(10).Select(id => $"{id}×{final.GetValueOrDefault(id)}"))}");
    }

    /// <summary>Message ids of every reading the sensor's outbox file took (its <c>P</c> lines; a torn last line is not one).</summary>
    private static List<string> OutboxTaken(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        var text = File.ReadAllText(path);
        return text[..(text.LastIndexOf('\n') + 1)].Split('\n')
            .Select(line => line.Split(' '))
            .Where(parts => parts is ["P", _, _, _, _])
            .Select(parts => parts[2])
            .ToList();
    }

    private async Task<List<string>> PublishAsync(string pipeline, int count, int ratePerSecond)
    {
        var sensor = fixture.Http($"{pipeline}-sensor");
        sensor.Timeout = TimeSpan.FromMinutes(3);
        var response = await sensor.PostAsync($"/publish?count={count}&ratePerSecond={ratePerSecond}", null);
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("messageIds").EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    private async Task<int> ServicePidAsync(string resource) =>
        (await fixture.HttpWithoutSecret(resource).GetFromJsonAsync<JsonElement>("/process")).GetProperty("pid").GetInt32();

    /// <summary>The broker process's pid, as Aspire reports it (mosquitto, or the embedded broker's process).</summary>
    private int BrokerPid(string resource)
    {
        Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState(resource, out var state), $"{resource} has a state");
        var pid = state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
        Assert.NotNull(pid);
        return Convert.ToInt32(pid, System.Globalization.CultureInfo.InvariantCulture);
    }

    private enum Signal
    {
        Kill = 9,
        Continue = 18,
        Stop = 19,
    }

    private void Kill(int pid, Signal signal, string what)
    {
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} SIG{signal.ToString().ToUpperInvariant()} {what} (pid {pid})");
        Assert.Equal(0, AppHostProcess.Kill(pid, (int)signal));
    }

    private async Task ExecuteAsync(string resourceName, string command)
    {
        var model = fixture.App.Services.GetRequiredService<DistributedApplicationModel>();
        var resource = model.Resources.Single(r => r.Name == resourceName);
        // Aspire needs a moment to see the killed process exit before Start is allowed.
        var result = await SmartHomeAppFixture.PollAsync(async () =>
        {
            var r = await fixture.App.ResourceCommands.ExecuteCommandAsync(resource, command);
            if (!r.Success)
            {
                await Task.Delay(500);
            }

            return r.Success ? r : null;
        }, TimeSpan.FromSeconds(60), $"{command} on {resourceName}");
        Assert.True(result.Success, $"{command} on {resourceName}: {result.Message}");
        output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {command} {resourceName}");
    }
}
