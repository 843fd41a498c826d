using System.Globalization;
using System.Text.Json;
using SmartHome.Report.Chaos;

namespace SmartHome.Report.Tests;

/// <summary>
/// A short chaos run against the real AppHost the report starts: a broker, an actuator and a sensor are killed with
/// SIGKILL while readings run, the AppHost's supervision restarts each, and every reading sent is judged by message id.
/// </summary>
[Collection(StartedApp.Collection)]
public sealed class ChaosEndToEndTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "smarthome-chaos-test-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task Killing_a_broker_an_actuator_and_a_sensor_loses_no_reading_and_applies_none_twice()
    {
        // The first seed whose plan opens with three SIGKILLs, one of each role: what it hits is fixed, and said here.
        var seed = Enumerable.Range(1, 100_000).First(s =>
            FaultPlan.Create(s, 120).Take(3).ToList() is { Count: 3 } first &&
            first.All(f => f.Kind == FaultKind.Kill) && first.Select(f => f.Role).Distinct().Count() == 3);

        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var exit = await ReportRunner.RunAsync(["--mode", "chaos", "--chaos-seconds", "120", "--chaos-rate", "50",
            "--chaos-seed", seed.ToString(CultureInfo.InvariantCulture), "--out", _out], cts.Token);
        Assert.Equal(0, exit);

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_out, "results.json")));
        var chaos = json.RootElement.GetProperty("chaos");
        Assert.Equal(seed, chaos.GetProperty("seed").GetInt32());
        var faults = chaos.GetProperty("faults").EnumerateArray().ToList();
        var kills = faults.Take(3).ToList();
        Assert.True(kills.Count == 3, $"only {faults.Count} faults were injected in 120 s");
        foreach (var fault in kills)
        {
            var what = $"fault #{fault.GetProperty("index")}: {fault.GetProperty("kind")} {fault.GetProperty("pipeline")}-{fault.GetProperty("role")}";
            Assert.Equal("SIGKILL", fault.GetProperty("kind").GetString());
            Assert.True(fault.GetProperty("recoverySeconds").ValueKind == JsonValueKind.Number,
                $"{what} did not recover: {fault.GetProperty("note")}");
        }

        Assert.Equal(["actuator", "broker", "sensor"], kills.Select(k => k.GetProperty("role").GetString()).Order());
        foreach (var pipeline in chaos.GetProperty("pipelines").EnumerateArray())
        {
            var name = pipeline.GetProperty("pipeline").GetString();
            var delivery = pipeline.GetProperty("delivery");
            var sent = delivery.GetProperty("sent").GetInt32();
            Assert.True(sent >= 1_000, $"{name}: only {sent} readings sent in 120 s at 50/s");
            Assert.True(delivery.GetProperty("lost").GetInt32() == 0, $"{name}: lost {delivery.GetProperty("lostSample")}");
            Assert.True(delivery.GetProperty("appliedTwice").GetInt32() == 0, $"{name}: applied twice {delivery.GetProperty("appliedTwiceSample")}");
            Assert.Equal(sent, delivery.GetProperty("appliedOnce").GetInt32());
        }

        var summary = await File.ReadAllTextAsync(Path.Combine(_out, "summary.md"));
        Assert.Contains($"--mode chaos --chaos-seconds 120 --chaos-rate 50 --chaos-seed {seed}", summary, StringComparison.Ordinal);
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, (await File.ReadAllBytesAsync(Path.Combine(_out, "chaos-timeline.png")))[..4]);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_out, recursive: true);
        }
        catch (IOException)
        {
            // temp is cleaned by the OS
        }
    }
}
