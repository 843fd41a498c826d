using System.Globalization;
using SmartHome.Contracts;
using SmartHome.Report.Modes;

namespace SmartHome.Report.Tests;

public sealed class LatencyStatsTests
{
    [Fact]
    public void Percentiles_match_the_exact_nearest_rank_within_HdrHistogram_precision()
    {
        var random = new Random(7);
        var samples = Enumerable.Range(0, 10_000).Select(_ => 0.2 + random.NextDouble() * random.NextDouble() * 40).ToArray();
        var stats = LatencyStats.Compute(samples);
        var sorted = samples.Order().ToArray();
        foreach (var (p, actual) in new[] { (50.0, stats.P50Ms), (95.0, stats.P95Ms), (99.0, stats.P99Ms), (99.9, stats.P999Ms) })
        {
            var exact = CryptoBench.Percentile(sorted, p);
            Assert.InRange(actual, exact * 0.998 - 0.001, exact * 1.002 + 0.001);
        }

        Assert.Equal(sorted[^1], stats.MaxMs);
        Assert.Equal(samples.Average(), stats.MeanMs, 9);
        Assert.Equal(10_000, stats.Count);
    }

    [Fact]
    public void Percentiles_never_exceed_the_maximum_and_the_cdf_is_monotonic()
    {
        var stats = LatencyStats.Compute([1.2345, 1.2346, 7.77]);
        Assert.True(stats.P999Ms <= stats.MaxMs);
        Assert.Equal(7.77, stats.Cdf[^1].LatencyMs);
        Assert.Equal(100, stats.Cdf[^1].Percentile);
        for (var i = 1; i < stats.Cdf.Count; i++)
        {
            Assert.True(stats.Cdf[i].LatencyMs >= stats.Cdf[i - 1].LatencyMs);
        }
    }

    [Fact]
    public void No_samples_give_zeros_not_an_exception() =>
        Assert.Equal(0, LatencyStats.Compute([]).P99Ms);

    [Fact]
    public void Nearest_rank_percentile()
    {
        double[] sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        Assert.Equal(5, CryptoBench.Percentile(sorted, 50));
        Assert.Equal(10, CryptoBench.Percentile(sorted, 99));
        Assert.Equal(1, CryptoBench.Percentile(sorted, 0));
    }
}

public sealed class CsvWriterTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\nlines", "\"two\nlines\"")]
    public void Escapes_per_RFC_4180(string field, string expected) => Assert.Equal(expected, CsvWriter.Escape(field));

    [Fact]
    public void Every_number_has_one_row_and_round_trips()
    {
        var results = Samples.Results();
        var rows = CsvWriter.Parse(CsvWriter.Render(results));
        Assert.Equal(CsvWriter.Header.Split(','), rows[0]);
        Assert.All(rows, r => Assert.Equal(6, r.Length));
        var cell = Samples.Index(rows);
        var l = results.Latency[1];
        Assert.Equal(l.P99Ms, double.Parse(cell[("latency", "secure", "", "", "p99Ms")], CultureInfo.InvariantCulture));
        Assert.Equal("3", cell[("attack", "secure", "forge, with comma", "insider", "blockedBy.signature")]);
        Assert.Equal("0", cell[("attack", "secure", "forge, with comma", "insider", "succeeded")]);
        Assert.Equal("no", cell[("goal", "", "Issue 4: secure p50 < 1.5 ms", "", "met")]);
        Assert.Equal(rows.Count - 1, cell.Count);
    }
}

public sealed class SummaryWriterTests
{
    [Fact]
    public void Attack_table_has_one_row_per_attack_and_level_and_names_the_stopping_layer()
    {
        var table = SummaryWriter.AttackTable(Samples.Results().Attacks);
        var lines = table.TrimEnd().Split('\n');
        Assert.Equal("| Attack | Level | Insecure | Secure |", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.Equal("| forge, with comma | insider | 3/3 succeeded | 0/3 succeeded; blocked by signature (3) |", lines[2]);
    }

    [Fact]
    public void Latency_table_uses_the_shared_formats()
    {
        var table = SummaryWriter.LatencyTable(Samples.Results().Latency);
        Assert.Contains("| secure | 1000 | 2 | 1 | ", table, StringComparison.Ordinal);
        Assert.Contains(" | 1.234 | 2.500 | 9.876 | 12.000 | – | 950 | 0.812 |", table, StringComparison.Ordinal);
    }

    [Fact]
    public void Latency_table_shows_each_p50_against_the_raw_broker_hop()
    {
        var hop = new BrokerHopResult("127.0.0.1:1883", 1000, 998, BrokerHop.PayloadBytes, 1000, 0.617, 1.5, 0.7, 3);
        var table = SummaryWriter.LatencyTable(Samples.Results().Latency, hop);
        // 1.234 / 0.617 = 2.00
        Assert.Contains(" | 1.234 | 2.500 | 9.876 | 12.000 | 2.00 × | 950 | 0.812 |", table, StringComparison.Ordinal);
        Assert.Contains("| raw broker hop (floor) | 1000 | 2 | – | 0.700 | 0.617 | – | 1.500 | 3.000 | 1.00 × | – | – |", table, StringComparison.Ordinal);
    }

    [Fact]
    public void A_campaign_that_did_not_run_is_said_plainly()
    {
        var r = Samples.Results();
        r.Campaign = new CampaignStatus(false, "the attacker is not there");
        var md = SummaryWriter.Render(r);
        Assert.Contains("**The attack campaign was not run**: the attacker is not there", md, StringComparison.Ordinal);
        Assert.Contains("Machine: Test CPU", md, StringComparison.Ordinal);
        Assert.Contains("--attempts 10 --readings 1000", md, StringComparison.Ordinal);
    }
}

public sealed class CampaignParseTests
{
    [Fact]
    public void Reads_the_attackers_report_object()
    {
        const string json = """
            { "pipeline": "secure", "durationMs": 10, "attemptsPerAttack": 5,
              "results": [ { "pipeline": "secure", "attack": "replay", "level": "outsider", "attempts": 5, "succeeded": 0,
                             "unjudged": 1, "blockedBy": { "replay-window": 4 }, "notes": "immediate" } ] }
            """;
        var r = Assert.Single(Campaign.Parse(json));
        Assert.Equal(("secure", "replay", "outsider", 5, 0, 1), (r.Pipeline, r.Attack, r.Level, r.Attempts, r.Succeeded, r.Unjudged));
        Assert.Equal(4, r.BlockedBy["replay-window"]);
        Assert.Equal("immediate", r.Notes);
    }

    [Fact]
    public void A_result_without_its_pipeline_is_refused()
    {
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => Campaign.Parse(
            """{"pipeline":"insecure","results":[{"attack":"eavesdrop","level":"outsider","attempts":2,"succeeded":2,"blockedBy":{}}]}"""));
    }
}

public sealed class AnalysisTests
{
    [Fact]
    public void Counts_lost_and_rejected_and_ignores_foreign_decisions()
    {
        var t0 = DateTimeOffset.UnixEpoch;
        Decision D(long seq, string id, string verdict, double? ms) =>
            new(seq, id, null, "temp-living", "t", "temperature", verdict, verdict == "applied" ? null : "replay", 1, ms, t0.AddMilliseconds(seq * 10), null);
        var m = new RunMeasurement("secure", ["a", "b", "c", "d"],
            [D(1, "a", "applied", 1), D(2, "x", "applied", 50), D(3, "b", "rejected", null), D(4, "c", "applied", 3), D(5, "c", "applied", 99)],
            100, 1, 10, 30, null, 0);
        var l = Analysis.Latency(m);
        Assert.Equal((4, 3, 2, 1, 1), (l.Count, l.Decided, l.Applied, l.RejectedLegit, l.Lost));
        Assert.Equal(3, l.MaxMs);
        Assert.Equal(10.0, l.CpuMsPerMessage);
        Assert.Equal(1, l.RejectReasons["replay"]);
        // 2 applied readings 30 ms apart: (2 - 1) / 0.03 s.
        Assert.Equal(1 / 0.03, l.ThroughputPerSecond, 6);
    }

    [Fact]
    public void A_throughput_step_fails_on_loss_and_says_why()
    {
        var t0 = DateTimeOffset.UnixEpoch;
        var ids = Enumerable.Range(0, 100).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();
        var decisions = ids.Take(95).Select((id, i) => new Decision(i + 1, id, null, "s", "t", "k", "applied", null, 0, 2, t0.AddMilliseconds(i), null)).ToList();
        var step = Analysis.Step(new RunMeasurement("insecure", ids, decisions, 1000, 0.1, 50, 80, null, 0), 4);
        Assert.False(step.Passed);
        Assert.StartsWith("fail: loss 5.00 %", step.Verdict, StringComparison.Ordinal);
        Assert.Equal(80, step.ActuatorCpuPercent, 6);
    }
}

public sealed class OptionsTests
{
    [Fact]
    public void Defaults_are_the_issues_defaults()
    {
        var o = ReportOptions.Parse([]);
        Assert.Equal((ReportMode.Full, 100, 10_000, "metrics", 1000), (o.Mode, o.Attempts, o.Readings, o.OutputDirectory, o.FleetSize));
    }

    [Fact]
    public void Parses_attempts_readings_and_attach_urls()
    {
        using var secret = new SecretFile("attach-secret-0123456789\n");
        var o = ReportOptions.Parse(["--attempts", "10", "--readings", "500", "--mode", "latency", "--attach",
            "--insecure-sensor", "http://h:1", "--insecure-actuator", "http://h:2", "--secure-sensor", "http://h:3", "--secure-actuator", "http://h:4",
            "--control-secret-file", secret.Path]);
        Assert.Equal((10, 500, ReportMode.Latency, true), (o.Attempts, o.Readings, o.Mode, o.Attach));
        Assert.Equal(new Uri("http://h:4"), o.Urls["secure-actuator"]);
        Assert.Equal("attach-secret-0123456789", o.ControlSecret);
    }

    [Fact]
    public void Attach_needs_the_control_secret_file_and_sends_its_secret()
    {
        string[] urls = ["--attach", "--insecure-sensor", "http://h:1", "--insecure-actuator", "http://h:2", "--secure-sensor", "http://h:3",
            "--secure-actuator", "http://h:4"];
        var ex = Assert.Throws<ArgumentException>(() => ReportOptions.Parse(urls));
        Assert.Contains("--control-secret-file", ex.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<ArgumentException>(() => ReportOptions.Parse([.. urls, "--control-secret-file", "/nonexistent/control-secret"]));
        Assert.Contains("/nonexistent/control-secret", missing.Message, StringComparison.Ordinal);

        using var secret = new SecretFile("attach-secret-0123456789");
        var o = ReportOptions.Parse([.. urls, "--control-secret-file", secret.Path]);
        var app = new AttachedApp(o.Urls, o.BrokerMode ?? "executable", o.ControlSecret);
        using var sensor = app.Http("secure-sensor");
        Assert.Equal("Bearer", sensor.DefaultRequestHeaders.Authorization?.Scheme);
        Assert.Equal("attach-secret-0123456789", sensor.DefaultRequestHeaders.Authorization?.Parameter);
        // Fleet mode reaches no service, so it needs no secret.
        Assert.Null(ReportOptions.Parse(["--mode", "fleet", "--attach"]).ControlSecret);
    }

    [Theory]
    [InlineData("--attempts", "0")]
    [InlineData("--mode", "fast")]
    [InlineData("--bogus", "1")]
    public void Rejects_bad_options_with_a_sentence(string option, string value) =>
        Assert.Throws<ArgumentException>(() => ReportOptions.Parse([option, value]));

    [Fact]
    public void Readings_stay_within_what_an_actuators_decision_log_keeps()
    {
        // Beyond it the first decisions of the run are gone before the report reads them, and would count as lost readings.
        // Seen: 50,000 readings at 3,000/s with 16 in flight lost the run's first 4 decisions to its key announcements.
        Assert.True(ReportCommandLine.MaxLatencyReadings < Decision.DefaultLogCapacity);
        Assert.Equal(45_000, ReportOptions.Parse(["--mode", "latency", "--readings", "45000"]).Readings);
        var ex = Assert.Throws<ArgumentException>(() => ReportOptions.Parse(["--mode", "latency", "--readings", "45001"]));
        Assert.Contains("--readings needs an integer 1..45000", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_lists_every_option_with_its_default()
    {
        var commandLine = new ReportCommandLine();
        using var output = new StringWriter();
        var exit = commandLine.Root.Parse(["--help"]).Invoke(new System.CommandLine.InvocationConfiguration { Output = output });
        var help = output.ToString();
        Assert.Equal(0, exit);
        Assert.All(commandLine.Root.Options, o => Assert.Contains(o.Name, help, StringComparison.Ordinal));
        Assert.Contains("[default: full]", help, StringComparison.Ordinal);
        Assert.Contains("[default: forged:10,malformed:1]", help, StringComparison.Ordinal);
        Assert.Contains("(default: metrics/ for full, metrics/MODE/ otherwise)", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rejected_command_line_exits_2_without_running()
    {
        var ran = false;
        var exit = await ReportCommandLine.RunAsync(["--attempts", "0"], (_, _) =>
        {
            ran = true;
            return Task.FromResult(0);
        }, CancellationToken.None);
        Assert.Equal((ReportCommandLine.ExitUsage, false), (exit, ran));
        exit = await ReportCommandLine.RunAsync(["--mode", "chaos", "--attach"], (_, _) => Task.FromResult(0), CancellationToken.None);
        Assert.Equal(ReportCommandLine.ExitUsage, exit);
    }

    [Fact]
    public void Attach_without_urls_names_what_is_missing()
    {
        var ex = Assert.Throws<ArgumentException>(() => ReportOptions.Parse(["--attach", "--insecure-sensor", "http://h:1"]));
        Assert.Contains("--secure-actuator", ex.Message, StringComparison.Ordinal);
    }
}

internal static class Samples
{
    public static ReportResults Results()
    {
        var r = new ReportResults
        {
            Run = new RunInfo("full", DateTimeOffset.UnixEpoch, 12, "Test CPU", "Linux", 2, ".NET", "13.6.5", "abc", "executable", "test",
                10, 1000, 1000, 1, 1000, 200),
        };
        r.Campaign = new CampaignStatus(true, null);
        r.Attacks.Add(new AttackResult { Pipeline = "insecure", Attack = "forge, with comma", Level = "insider", Attempts = 3, Succeeded = 3 });
        r.Attacks.Add(new AttackResult
        {
            Pipeline = "secure", Attack = "forge, with comma", Level = "insider", Attempts = 3, Succeeded = 0,
            BlockedBy = new Dictionary<string, int> { ["signature"] = 3 }, Notes = "n",
        });
        r.Latency.Add(new LatencyResult("insecure", 1000, 1000, 1000, 0, 0, 0.5, 0.9, 1.5, 2, 3, 0.6, 1000, 990, 100, 200, 0.3, 1,
            new Dictionary<string, int>(), []));
        r.Latency.Add(new LatencyResult("secure", 1000, 998, 997, 1, 2, 1.2344, 2.5, 9.876, 11, 12, 1.4, 1000, 950.4, 300, 512, 0.812, 1,
            new Dictionary<string, int> { ["replay"] = 1 }, []));
        r.Goals.Add(new GoalCheck("Issue 4: secure p50 < 1.5 ms", "x", false));
        return r;
    }

    public static Dictionary<(string, string, string, string, string), string> Index(List<string[]> rows) =>
        rows.Skip(1).ToDictionary(r => (r[0], r[1], r[2], r[3], r[4]), r => r[5]);
}

public sealed class BottleneckTests
{
    private static ThroughputStep Step(double rate, bool passed, double sensor, double actuator, double? broker, double? achieved = null) =>
        new("secure", rate, 1000, 16, achieved ?? rate, 0, 0, 1, passed ? 2 : 80, sensor, actuator, broker, passed, passed ? "pass" : "fail")
        { LoadAverage = "9.00 8.00 7.00" };

    [Fact]
    public void Names_the_busiest_process_when_one_is_near_a_core() =>
        Assert.EndsWith("busiest: actuator (its MQTT message handler is sequential: one core at most)",
            ThroughputMode.Bottleneck([Step(500, true, 20, 30, 5), Step(1000, false, 60, 98, 10)], cores: 4), StringComparison.Ordinal);

    [Fact]
    public void Blames_contention_when_no_process_is_near_a_core()
    {
        var text = ThroughputMode.Bottleneck([Step(2000, false, 34, 21, 8)], cores: 2);
        Assert.StartsWith("at 2000/s: sensor 34 %, actuator 21 %, broker 8 % of one core", text, StringComparison.Ordinal);
        Assert.Contains("load average was 9.00 8.00 7.00", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_the_in_flight_window_when_the_rate_fell_short_with_cpu_to_spare()
    {
        // Seen with 16 in flight: 1,608 of 2,000/s arrived while sensor, actuator and broker used 36, 35 and 14 % of a core.
        var text = ThroughputMode.Bottleneck([Step(2000, false, 36, 35, 14, achieved: 1600)], cores: 2);
        Assert.Contains("16 publishes in flight at 1600/s means each held its slot 10.0 ms", text, StringComparison.Ordinal);
        Assert.Contains("the in-flight window limited this step", text, StringComparison.Ordinal);
        Assert.DoesNotContain("contention", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_throughput_window_defaults_to_64_and_stops_where_the_sensor_does()
    {
        Assert.Equal(64, ReportOptions.Parse(["--mode", "throughput"]).ThroughputConcurrency);
        Assert.Equal(256, ReportOptions.Parse(["--mode", "throughput", "--throughput-concurrency", "256"]).ThroughputConcurrency);
        Assert.Throws<ArgumentException>(() => ReportOptions.Parse(["--mode", "throughput", "--throughput-concurrency", "257"]));
    }

    [Fact]
    public void Blames_the_machine_when_everything_on_it_kept_its_cores_busy()
    {
        // Seen with modern at 2,500/s: the pipeline's processes used 78 % of 2 cores, the app's orchestration, console and
        // the report most of the rest; the actuator's 74 % of a core was not a sequential handler at its limit.
        var busy = Step(2500, false, 61, 74, 21) with { MachineCpuPercent = 96 };
        var text = ThroughputMode.Bottleneck([busy], cores: 2);
        Assert.Contains("the machine's 2 cores were 96 % busy over the step: the pipeline's processes 78 %, other processes", text, StringComparison.Ordinal);
        Assert.Contains("this report) 18 %", text, StringComparison.Ordinal);
        Assert.EndsWith("the machine's CPU limited this step (busiest: actuator)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("sequential", text, StringComparison.Ordinal);

        // Below the threshold, the machine is not blamed.
        var idle = ThroughputMode.Bottleneck([busy with { MachineCpuPercent = 60 }], cores: 2);
        Assert.DoesNotContain("busy over the step", idle, StringComparison.Ordinal);
    }

    [Fact]
    public void The_machines_busy_share_comes_from_its_cpu_counters()
    {
        Assert.Equal(96, MachineCpu.BusyPercent(new MachineCpu(100, 1000), new MachineCpu(1060, 2000)));
        Assert.Null(MachineCpu.BusyPercent(null, new MachineCpu(1060, 2000)));
        Assert.Null(MachineCpu.BusyPercent(new MachineCpu(100, 1000), new MachineCpu(100, 1000)));
        if (OperatingSystem.IsLinux())
        {
            var now = MachineInfo.MachineCpuNow();
            Assert.NotNull(now);
            Assert.InRange(now.Value.Busy, 1, now.Value.Total);
        }
    }

    [Fact]
    public void Blames_the_machine_when_the_processes_together_fill_its_cores()
    {
        var text = ThroughputMode.Bottleneck([Step(14000, false, 67, 51, 54)], cores: 2);
        Assert.EndsWith("together 172 % of one core, i.e. 86 % of this machine's 2 cores: the pipeline's own processes saturate the machine (busiest: sensor)",
            text, StringComparison.Ordinal);
        Assert.Contains("CPU contention", ThroughputMode.Bottleneck([Step(14000, false, 67, 51, 54)], cores: 4), StringComparison.Ordinal);
    }
}

/// <summary>A temporary control-secret file, as the AppHost writes one.</summary>
internal sealed class SecretFile : IDisposable
{
    public SecretFile(string content)
    {
        Path = System.IO.Path.GetTempFileName();
        File.WriteAllText(Path, content);
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}
