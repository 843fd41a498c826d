using System.Globalization;
using System.Text.Json;

namespace SmartHome.Report.Tests;

/// <summary>
/// A tiny suites run against the real AppHost (seed and modern, one app each, one after the other; two rates of 2 s, no sustain,
/// no campaign): each suite's app ran and was measured, and the files agree.
/// </summary>
[Collection(StartedApp.Collection)]
public sealed class SuitesEndToEndTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "smarthome-suites-e2e-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task A_tiny_suites_run_measures_each_suite_in_its_own_app()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(12));
        var exit = await ReportRunner.RunAsync(["--mode", "suites", "--suites", "seed,modern", "--suite-rates", "4,100", "--suite-seconds", "2",
            "--sustain-seconds", "0", "--attempts", "0", "--crypto-iterations", "100", "--out", _out], cts.Token);
        Assert.Equal(0, exit);
        Assert.True(File.Exists(Path.Combine(_out, "suites.png")));

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_out, "results.json")));
        var suites = json.RootElement.GetProperty("suites").EnumerateArray().ToList();
        Assert.Equal(["seed", "modern"], suites.Select(s => s.GetProperty("suite").GetString()));
        var csv = Samples.Index(CsvWriter.Parse(await File.ReadAllTextAsync(Path.Combine(_out, "results.csv"))));
        foreach (var s in suites)
        {
            var name = s.GetProperty("suite").GetString()!;
            Assert.True(s.GetProperty("ran").GetBoolean(), s.GetProperty("problem").GetString());
            var points = s.GetProperty("latency").EnumerateArray().ToList();
            // Both pipelines at both rates, every reading applied.
            Assert.Equal(4, points.Count);
            foreach (var p in points)
            {
                Assert.Equal(p.GetProperty("count").GetInt32(), p.GetProperty("applied").GetInt32());
                Assert.True(p.GetProperty("p50Ms").GetDouble() > 0);
                Assert.True(p.GetProperty("actuatorCpuUsPerReading").GetDouble() > 0);
                var rate = p.GetProperty("ratePerSecond").GetDouble().ToString("R", CultureInfo.InvariantCulture);
                Assert.Equal(p.GetProperty("p99Ms").GetDouble(),
                    double.Parse(csv[("suites", p.GetProperty("pipeline").GetString()!, name, rate, "p99Ms")], CultureInfo.InvariantCulture));
            }

            // Real sealed readings: longer than the plaintext, announcements of the suite's own size (v2's are smaller than seed's RSA-wrapped ones).
            var crypto = s.GetProperty("crypto");
            Assert.True(crypto.GetProperty("wireBytesPerReading").GetDouble() > crypto.GetProperty("plaintextBytes").GetInt32());
        }

        Assert.True(suites[0].GetProperty("crypto").GetProperty("announcementBytes").GetInt32() >
                    suites[1].GetProperty("crypto").GetProperty("announcementBytes").GetInt32());
        var goals = json.RootElement.GetProperty("goals").EnumerateArray().Select(g => g.GetProperty("goal").GetString()!).ToList();
        Assert.Contains(goals, g => g.StartsWith("seed p50", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_out, recursive: true);
        }
        catch (IOException)
        {
            // not written (the run failed early), or a file still closing: temp is cleaned by the OS
        }
    }
}
