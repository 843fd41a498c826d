using SmartHome.Report.Chaos;

namespace SmartHome.Report.Tests;

public sealed class FaultPlanTests
{
    [Fact]
    public void The_same_seed_gives_the_same_plan_and_another_seed_another()
    {
        Assert.Equal(FaultPlan.Create(42, 600), FaultPlan.Create(42, 600));
        Assert.NotEqual(FaultPlan.Create(42, 600), FaultPlan.Create(43, 600));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(20261127)]
    public void Ten_minutes_plan_at_least_20_faults_of_both_kinds_on_both_pipelines(int seed)
    {
        var plan = FaultPlan.Create(seed, 600);
        Assert.InRange(plan.Count, 20, 600 / (int)FaultPlan.MinGapSeconds);
        Assert.Contains(plan, f => f.Kind == FaultKind.Kill);
        Assert.Contains(plan, f => f.Kind == FaultKind.Pause);
        Assert.Equal(["insecure", "secure"], plan.Select(f => f.Pipeline).Distinct().Order());
        Assert.Equal(Enumerable.Range(1, plan.Count), plan.Select(f => f.Index));
        Assert.True(plan.Sum(f => f.GapSeconds) < 600);
    }

    [Fact]
    public void Gaps_and_pauses_stay_within_their_bounds_and_a_kill_has_no_pause()
    {
        foreach (var fault in Enumerable.Range(1, 50).SelectMany(seed => FaultPlan.Create(seed, 600)))
        {
            Assert.InRange(fault.GapSeconds, FaultPlan.MinGapSeconds, FaultPlan.MaxGapSeconds);
            if (fault.Kind == FaultKind.Pause)
            {
                Assert.InRange(fault.PauseSeconds, FaultPlan.MinPauseSeconds, FaultPlan.MaxPauseSeconds);
            }
            else
            {
                Assert.Equal(0, fault.PauseSeconds);
            }
        }
    }

    [Fact]
    public void No_process_is_killed_more_often_than_the_window_allows_so_supervision_never_sees_a_crash_loop()
    {
        var everyResource = new HashSet<string>();
        foreach (var seed in Enumerable.Range(1, 200))
        {
            var at = 0.0;
            var kills = new List<(double At, string Resource)>();
            foreach (var fault in FaultPlan.Create(seed, 3600))
            {
                at += fault.GapSeconds;
                everyResource.Add(fault.Resource);
                if (fault.Kind == FaultKind.Kill)
                {
                    kills.Add((at, fault.Resource));
                }
            }

            foreach (var (killedAt, resource) in kills)
            {
                var inWindow = kills.Count(k => k.Resource == resource && k.At <= killedAt && killedAt - k.At < FaultPlan.KillWindowSeconds);
                Assert.True(inWindow <= FaultPlan.KillsPerWindow, $"seed {seed}: {resource} killed {inWindow} times within {FaultPlan.KillWindowSeconds} s");
            }
        }

        Assert.Equal(6, everyResource.Count);
    }
}

public sealed class ChaosSamplingTests
{
    [Fact]
    public void The_applied_rate_divides_by_the_time_that_really_passed_and_restarts_from_zero_with_a_new_process()
    {
        // A probe that waited for a stopped process's timeout makes a 2.5 s sample: 250 readings are still 100/s.
        Assert.Equal(100, ChaosMode.AppliedRate(new ActuatorProgress(10, 1_000), new ActuatorProgress(10, 1_250), 2.5));
        // A restarted actuator (another pid) counts from 0.
        Assert.Equal(40, ChaosMode.AppliedRate(new ActuatorProgress(10, 1_000), new ActuatorProgress(11, 40), 1));
        Assert.Null(ChaosMode.AppliedRate(null, new ActuatorProgress(11, 40), 1));
        Assert.Null(ChaosMode.AppliedRate(new ActuatorProgress(10, 1_000), null, 1));
    }
}

public sealed class DeliveryLedgerTests
{
    [Fact]
    public void Every_reading_sent_is_applied_once_lost_or_applied_twice_by_message_id()
    {
        var ledger = new DeliveryLedger();
        ledger.Taken(["a", "b", "c"]);
        ledger.Taken("d");
        ledger.Taken("a"); // seen again in a publish answer: still one reading
        ledger.Removed("a", "applied");
        ledger.Removed("c", "rejected");
        ledger.Removed("d", "full");

        // "e": applied, but its outbox lines were compacted away unseen: it was sent all the same.
        var verdict = ledger.Judge(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2, ["e"] = 1 });

        Assert.Equal((5, 2, 2, 1, 1, 1), (verdict.Sent, verdict.AppliedOnce, verdict.Lost, verdict.AppliedTwice, verdict.DroppedByPolicy, verdict.RejectedForGood));
        Assert.Equal(["c", "d"], verdict.LostSample);
        Assert.Equal(["b×2"], verdict.AppliedTwiceSample);
    }

    [Fact]
    public void Nothing_sent_is_nothing_lost()
    {
        var verdict = new DeliveryLedger().Judge(new Dictionary<string, int>());
        Assert.Equal((0, 0, 0), (verdict.Sent, verdict.Lost, verdict.AppliedTwice));
    }
}

public sealed class OutboxTailTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), "outbox-tail-" + Guid.NewGuid().ToString("N")[..8] + ".log");

    [Fact]
    public void Reads_complete_lines_as_they_come_and_a_torn_line_once_it_is_finished()
    {
        var ledger = new DeliveryLedger();
        var tail = new OutboxTail(_path, ledger);
        tail.Poll(); // no file yet: nothing, no error

        File.WriteAllText(_path, "P door-front id1 1000 AAAA\nP door-front id2 1001 AAAA\nP door-fr");
        tail.Poll();
        Assert.Equal(2, ledger.TakenCount);

        File.AppendAllText(_path, "ont id3 1002 AAAA\nD id1 applied\nD id2 full\nX garbage\n");
        tail.Poll();
        var verdict = ledger.Judge(new Dictionary<string, int> { ["id1"] = 1 });
        Assert.Equal((3, 1, 2, 1), (verdict.Sent, verdict.AppliedOnce, verdict.Lost, verdict.DroppedByPolicy));
    }

    [Fact]
    public void A_compacted_file_is_read_again_from_its_start()
    {
        var ledger = new DeliveryLedger();
        var tail = new OutboxTail(_path, ledger);
        File.WriteAllText(_path, string.Concat(Enumerable.Range(1, 50).Select(i => $"P thermostat-living id{i} {i} AAAA\nD id{i} applied\n")));
        tail.Poll();
        Assert.Equal(50, ledger.TakenCount);

        // The sensor rewrote the file with what is pending (temp file, rename), then took more.
        var temporary = _path + ".tmp";
        File.WriteAllText(temporary, "P thermostat-living id51 51 AAAA\n");
        File.Move(temporary, _path, overwrite: true);
        File.AppendAllText(_path, "P thermostat-living id52 52 AAAA\n");
        tail.Poll();
        Assert.Equal(52, ledger.TakenCount);
    }

    public void Dispose() => File.Delete(_path);
}

public sealed class ChaosReportTests
{
    [Fact]
    public void Chaos_options_parse_and_chaos_never_attaches()
    {
        var o = ReportOptions.Parse(["--mode", "chaos", "--chaos-seconds", "60", "--chaos-rate", "50", "--chaos-seed", "7"]);
        Assert.Equal((ReportMode.Chaos, 60.0, 50.0, (int?)7), (o.Mode, o.ChaosSeconds, o.ChaosRate, o.ChaosSeed));
        Assert.Equal(Path.Combine("metrics", "chaos"), o.OutputDirectory);
        var defaults = ReportOptions.Parse(["--mode", "chaos"]);
        Assert.Equal((600.0, 100.0, (int?)null), (defaults.ChaosSeconds, defaults.ChaosRate, defaults.ChaosSeed));
        Assert.Throws<ArgumentException>(() => ReportOptions.Parse(["--mode", "chaos", "--attach"]));
        Assert.Throws<ArgumentException>(() => ReportOptions.Parse(["--mode", "chaos", "--chaos-seed", "0"]));
        Assert.Equal("embedded", ReportOptions.Parse(["--mode", "chaos", "--broker-mode", "embedded"]).BrokerMode);
        Assert.Null(defaults.BrokerMode); // the AppHost's own choice
        Assert.Throws<ArgumentException>(() => ReportOptions.Parse(["--mode", "chaos", "--broker-mode", "hivemq"]));
    }

    [Fact]
    public void The_goal_is_met_only_by_a_clean_run_at_full_scale_and_missed_by_any_loss()
    {
        static ReportResults Judge(double seconds, int faults, int lost)
        {
            var chaos = Result(seconds, faults, lost);
            var results = new ReportResults { Run = new RunInfo("chaos", DateTimeOffset.UtcNow, 0, "m", "os", 2, "rt", "a", null, "b", "s", 0, 0, 0, 0, 0, 0) };
            ChaosMode.AddChaosGoal(results, chaos);
            return results;
        }

        Assert.True(Judge(600, 25, 0).Goals.Single().Met);
        Assert.False(Judge(600, 25, 1).Goals.Single().Met);
        Assert.False(Judge(60, 3, 1).Goals.Single().Met);
        Assert.Null(Judge(60, 3, 0).Goals.Single().Met);
        Assert.Null(Judge(600, 19, 0).Goals.Single().Met);
    }

    [Fact]
    public void Summary_names_the_seed_every_fault_and_each_pipeline_verdict_and_the_plot_is_a_png()
    {
        var chaos = Result(600, 2, 1);
        var text = ChaosSummary.Render(chaos);
        Assert.Contains("Seed **99**", text, StringComparison.Ordinal);
        Assert.Contains("| insecure | 100 | 99 | **1** | 0 |", text, StringComparison.Ordinal);
        Assert.Contains("| 2 | 20.0 | secure | broker | SIGSTOP | 3.0 | 4.20 |", text, StringComparison.Ordinal);
        Assert.Equal("dotnet run -c Release --project services/tools/SmartHome.Report -- --mode chaos --chaos-seconds 600 --chaos-rate 100 --chaos-seed 99",
            SummaryWriter.ReproduceCommand(new RunInfo("chaos", DateTimeOffset.UtcNow, 0, "m", "os", 2, "rt", "a", null, "b", "s", 0, 0, 0, 0, 0, 0)
            {
                Chaos = new ChaosParameters(99, 600, 100),
            }));

        var png = Path.Combine(Path.GetTempPath(), "chaos-" + Guid.NewGuid().ToString("N")[..8] + ".png");
        try
        {
            ChaosPlot.Save(chaos, png);
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47 }, File.ReadAllBytes(png)[..4]);
        }
        finally
        {
            File.Delete(png);
        }
    }

    private static ChaosResult Result(double seconds, int faults, int lost)
    {
        var chaos = new ChaosResult { Seed = 99, RequestedSeconds = seconds, RatePerSecond = 100, Seconds = seconds };
        for (var i = 1; i <= faults; i++)
        {
            chaos.Faults.Add(i % 2 == 0
                ? new InjectedFault(i, i * 10, "secure", "broker", "SIGSTOP", 3, 100 + i, 4.2, null)
                : new InjectedFault(i, i * 10, "insecure", "actuator", "SIGKILL", 0, 100 + i, 6.5, null));
        }

        foreach (var pipeline in FaultPlan.Pipelines)
        {
            var lostHere = pipeline == "insecure" ? lost : 0;
            chaos.Pipelines.Add(new ChaosPipelineResult(pipeline,
                new DeliveryVerdict(100, 100 - lostHere, lostHere, 0, 0, 0, Enumerable.Range(0, lostHere).Select(i => $"id{i}").ToList(), []),
                faults / 2, 6.5, "#1 SIGKILL actuator"));
        }

        for (var t = 1; t <= 30; t++)
        {
            chaos.Timeline.Add(new ChaosSample(t, "insecure", 100, t % 10 == 0 ? 0 : 100, 3));
            chaos.Timeline.Add(new ChaosSample(t, "secure", 100, 98, 5));
        }

        return chaos;
    }
}
