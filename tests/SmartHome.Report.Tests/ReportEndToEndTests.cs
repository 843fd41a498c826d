using System.Globalization;
using System.Text.Json;

namespace SmartHome.Report.Tests;

/// <summary>
/// Runs a small full report (10 attempts, 500 readings) against the real AppHost it starts itself, then checks that
/// the files exist, parse, and say the same numbers.
/// </summary>
[Collection(StartedApp.Collection)]
public sealed class ReportEndToEndTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "smarthome-report-test-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public async Task A_small_full_report_writes_files_that_parse_and_agree()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        var exit = await ReportRunner.RunAsync(
            ["--mode", "full", "--attempts", "10", "--announcement-flood-seconds", "1", "--readings", "500", "--crypto-iterations", "200", "--attacker-timeout", "60", "--out", _out], cts.Token);
        Assert.Equal(0, exit);

        foreach (var file in new[] { "results.json", "results.csv", "summary.md", "latency-cdf.png", "crypto-cost.png" })
        {
            Assert.True(File.Exists(Path.Combine(_out, file)), $"{file} is missing");
        }

        foreach (var png in Directory.GetFiles(_out, "*.png"))
        {
            var head = File.ReadAllBytes(png)[..8];
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, head);
        }

        // The contract, read the way an outside tool would: raw JSON, camelCase names.
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_out, "results.json")));
        var root = json.RootElement;
        var csv = Samples.Index(CsvWriter.Parse(await File.ReadAllTextAsync(Path.Combine(_out, "results.csv"))));
        var summary = await File.ReadAllTextAsync(Path.Combine(_out, "summary.md"));
        var summaryRows = summary.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries)[1..^1]).ToList();

        var latency = root.GetProperty("latency").EnumerateArray().ToList();
        Assert.Equal(["insecure", "secure"], latency.Select(l => l.GetProperty("pipeline").GetString()));
        foreach (var l in latency)
        {
            var pipeline = l.GetProperty("pipeline").GetString()!;
            Assert.Equal(500, l.GetProperty("count").GetInt32());
            Assert.True(l.GetProperty("lost").GetInt32() < 5, $"{pipeline} lost readings");
            var row = summaryRows.Single(r => r[0] == pipeline && r.Length == 12);
            foreach (var (metric, column) in new[] { ("meanMs", 4), ("p50Ms", 5), ("p95Ms", 6), ("p99Ms", 7), ("maxMs", 8) })
            {
                var value = l.GetProperty(metric).GetDouble();
                Assert.True(value > 0, $"{pipeline} {metric} is {value}");
                Assert.Equal(value, double.Parse(csv[("latency", pipeline, "", "", metric)], CultureInfo.InvariantCulture));
                Assert.Equal(Fmt.Ms(value), row[column]);
            }

            Assert.Equal(l.GetProperty("count").GetInt32().ToString(CultureInfo.InvariantCulture), row[1]);
            Assert.Equal(Fmt.Rate(l.GetProperty("throughputPerSecond").GetDouble()), row[10]);
        }

        // The floor ran beside the pipelines, through the insecure broker, and the table shows it.
        var hop = root.GetProperty("brokerHop");
        Assert.Equal(500, hop.GetProperty("sent").GetInt32());
        Assert.True(hop.GetProperty("received").GetInt32() > 495, $"the broker hop lost {500 - hop.GetProperty("received").GetInt32()} messages");
        var hopRow = summaryRows.Single(r => r[0] == "raw broker hop (floor)");
        Assert.Equal(Fmt.Ms(hop.GetProperty("p50Ms").GetDouble()), hopRow[5]);
        Assert.Equal("1.00 ×", hopRow[9]);

        var attacks = root.GetProperty("attacks").EnumerateArray().ToList();
        // A campaign refused for want of the control secret would otherwise pass as "not run" below.
        var campaignReason = root.GetProperty("campaign").TryGetProperty("reason", out var why) ? why.ToString() : string.Empty;
        Assert.DoesNotContain("answered 401", campaignReason, StringComparison.Ordinal);
        if (root.GetProperty("campaign").GetProperty("ran").GetBoolean())
        {
            Assert.NotEmpty(attacks);
            Assert.True(File.Exists(Path.Combine(_out, "attack-success.png")));
            foreach (var a in attacks)
            {
                var key = (a.GetProperty("pipeline").GetString()!, a.GetProperty("attack").GetString()!, a.GetProperty("level").GetString()!);
                Assert.Contains(key.Item1, new[] { "insecure", "secure" });
                var attempts = a.GetProperty("attempts").GetInt32();
                var succeeded = a.GetProperty("succeeded").GetInt32();
                Assert.Equal(attempts.ToString(CultureInfo.InvariantCulture), csv[("attack", key.Item1, key.Item2, key.Item3, "attempts")]);
                Assert.Equal(succeeded.ToString(CultureInfo.InvariantCulture), csv[("attack", key.Item1, key.Item2, key.Item3, "succeeded")]);
                foreach (var layer in a.GetProperty("blockedBy").EnumerateObject())
                {
                    Assert.Equal(layer.Value.GetInt32().ToString(CultureInfo.InvariantCulture),
                        csv[("attack", key.Item1, key.Item2, key.Item3, "blockedBy." + layer.Name)]);
                }

                var row = summaryRows.Single(r => r.Length == 4 && r[0] == key.Item2 && r[1] == key.Item3);
                Assert.StartsWith(attempts == 0 ? "no attempts" : $"{succeeded}/{attempts} succeeded", row[key.Item1 == "insecure" ? 2 : 3],
                    StringComparison.Ordinal);
            }
        }
        else
        {
            Assert.Empty(attacks);
            Assert.Contains("**The attack campaign was not run**", summary, StringComparison.Ordinal);
        }

        // The crypto breakdown and the goals are in all three files too.
        var sealPlusOpen = root.GetProperty("crypto").GetProperty("sealPlusOpenUs").GetDouble();
        Assert.Equal(sealPlusOpen, double.Parse(csv[("crypto", "", "seal+open", "", "meanUs")], CultureInfo.InvariantCulture));
        Assert.Contains("Seal + open per message: " + Fmt.Us(sealPlusOpen) + " µs (mean)", summary, StringComparison.Ordinal);
        var goals = root.GetProperty("goals").EnumerateArray().ToList();
        Assert.Equal(3, goals.Count);
        // The floor goal is judged (met or not), never "not measured", when the hop ran.
        var floorGoal = goals.Single(g => g.GetProperty("goal").GetString()!.StartsWith("Insecure p50", StringComparison.Ordinal));
        Assert.NotEqual(JsonValueKind.Null, floorGoal.GetProperty("met").ValueKind);
        Assert.Contains("Machine: ", summary, StringComparison.Ordinal);
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
