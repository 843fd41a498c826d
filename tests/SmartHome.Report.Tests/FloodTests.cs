using SmartHome.Contracts;
using SmartHome.Report.Flood;

namespace SmartHome.Report.Tests;

public sealed class FloodOptionsTests
{
    [Fact]
    public void Defaults_are_5000_forged_per_second_for_10_minutes_on_secure_with_100_legit_readings_per_second()
    {
        var o = ReportOptions.Parse(["--mode", "flood"]);
        Assert.Equal(ReportMode.Flood, o.Mode);
        Assert.Equal((5000.0, 600, 100.0), (o.FloodRate, o.FloodSeconds, o.FloodLegitRate));
        Assert.Equal(["secure"], o.FloodPipelines);
        Assert.Equal("forged:10,malformed:1", o.FloodMix);
        Assert.Equal("compromised-broker", o.FloodLevel);
        Assert.Equal(Path.Combine("metrics", "flood"), o.OutputDirectory);
    }

    [Fact]
    public void Parses_every_flood_option()
    {
        var o = ReportOptions.Parse(["--mode", "flood", "--flood-rate", "2000", "--flood-seconds", "20", "--flood-pipeline", "both",
            "--flood-legit-rate", "50", "--flood-mix", "forged,oversized,replay", "--flood-level", "insider", "--out", "/tmp/x"]);
        Assert.Equal((2000.0, 20, 50.0, "forged,oversized,replay", "insider", "/tmp/x"),
            (o.FloodRate, o.FloodSeconds, o.FloodLegitRate, o.FloodMix, o.FloodLevel, o.OutputDirectory));
        Assert.Equal(["secure", "insecure"], o.FloodPipelines);
    }

    [Theory]
    [InlineData("--flood-pipeline", "all")]
    [InlineData("--flood-level", "god")]
    [InlineData("--flood-mix", "plasma")]
    [InlineData("--flood-mix", "forged:0")]
    [InlineData("--flood-seconds", "3601")]
    [InlineData("--flood-seconds", "0")]
    [InlineData("--flood-rate", "0")]
    [InlineData("--flood-rate", "50000")]
    public void Rejects_bad_flood_options(string option, string value) =>
        Assert.Throws<ArgumentException>(() => ReportOptions.Parse(["--mode", "flood", option, value]));

    [Fact]
    public void Attach_in_flood_mode_needs_only_the_flooded_pipeline()
    {
        using var secret = new SecretFile("flood-attach-secret-0123456789");
        var o = ReportOptions.Parse(["--mode", "flood", "--attach", "--secure-sensor", "http://h:1", "--secure-actuator", "http://h:2",
            "--secure-attacker", "http://h:3", "--control-secret-file", secret.Path]);
        Assert.True(o.Attach);
        var ex = Assert.Throws<ArgumentException>(() => ReportOptions.Parse(["--mode", "flood", "--attach", "--secure-sensor", "http://h:1",
            "--secure-actuator", "http://h:2"]));
        Assert.Contains("--secure-attacker", ex.Message, StringComparison.Ordinal);
    }
}

public sealed class FloodPlanTests
{
    [Fact]
    public void The_forged_rate_is_the_flood_rate_and_the_other_kinds_come_on_top()
    {
        var mix = FloodPlan.ParseMix("forged:10,malformed:1");
        Assert.Equal(5500, FloodPlan.AttackerRate(5000, mix), 9);
        Assert.Equal(5000, FloodPlan.ForgedRate(5500, mix), 9);
        Assert.Equal(8000, FloodPlan.AttackerRate(2000, FloodPlan.ParseMix("forged,malformed,oversized,replay")), 9);
        Assert.Equal(2000, FloodPlan.AttackerRate(2000, FloodPlan.ParseMix("malformed")), 9);
        Assert.Equal(0, FloodPlan.ForgedRate(2000, FloodPlan.ParseMix("malformed")), 9);
    }

    [Fact]
    public void A_repeated_kind_adds_up() =>
        Assert.Equal([new FloodShare("forged", 3), new FloodShare("replay", 1)], FloodPlan.ParseMix("forged, replay ,forged:2"));

    [Theory]
    [InlineData(20, 30)]
    [InlineData(120, 60)]
    [InlineData(600, 300)]
    [InlineData(3600, 300)]
    public void Drain_is_half_the_flood_within_30_to_300_seconds(int seconds, int expected) =>
        Assert.Equal(TimeSpan.FromSeconds(expected), FloodPlan.DrainLimit(seconds));
}

public sealed class AppliedDecisionTrackerTests
{
    [Fact]
    public void Keeps_unlabelled_readings_counts_labelled_ones_and_announcements_and_skips_what_it_saw()
    {
        var tracker = new AppliedDecisionTracker(10);
        tracker.Add([
            FloodSamples.Decision(9, "old", null, 1),
            FloodSamples.Decision(11, "legit-1", null, 2),
            FloodSamples.Decision(12, "forged-x", "run-flood", 3),
            FloodSamples.Decision(13, null, null, null),
            FloodSamples.Decision(14, "legit-2", null, 4, verdict: "rejected"),
        ]);
        tracker.Add([FloodSamples.Decision(12, "forged-x", "run-flood", 3)]);
        Assert.Equal(14, tracker.After);
        Assert.Equal(1, tracker.Labelled);
        Assert.Equal(1, tracker.Control);
        Assert.NotNull(tracker.Applied("legit-1"));
        Assert.Null(tracker.Applied("old"));
        Assert.Null(tracker.Applied("legit-2"));
        tracker.AdvanceTo(100);
        tracker.AdvanceTo(50);
        Assert.Equal(100, tracker.After);
    }
}

public sealed class FloodAnalysisTests
{
    [Fact]
    public void Legit_latency_loss_rejection_and_forged_applied_come_from_the_decisions()
    {
        var r = FloodAnalysis.Summarize(FloodSamples.Observation());
        Assert.True(r.Ran);
        Assert.Equal(4, r.LegitSent);
        Assert.Equal(2, r.LegitApplied);
        Assert.Equal(1, r.LegitRejected);
        Assert.Equal(1, r.LegitLost);
        Assert.Equal(new Dictionary<string, int> { ["sender-mismatch"] = 1 }, r.LegitRejectReasons);
        Assert.Equal(8, r.LegitMaxMs, 6);
        // One labelled by the flood + one unknown id; the capture's reading and the key announcement do not count.
        Assert.Equal(2, r.ForgedApplied);
        Assert.Equal(1, r.KeyAnnouncementsApplied);
        Assert.Equal(new Dictionary<string, long> { ["bad-signature"] = 900, ["malformed"] = 100 }, r.RejectedByReasonDelta);
        Assert.Equal(1005, r.DecisionsDelta);
        Assert.Equal(5000, r.ForgedAchievedRatePerSecond, 6);
        Assert.Equal(200 * 1024 * 1024, r.PeakWorkingSetBytes);
        Assert.Equal(60 * 1024 * 1024, r.PeakManagedHeapBytes);
        Assert.Equal(50, r.ActuatorCpuPercent, 6);
        Assert.Equal(10, r.AttackerCpuPercent, 6);
        Assert.Equal(50, r.LegitNotAppliedPercent, 6);
    }

    [Fact]
    public void Goals_judge_latency_at_the_goal_rate_memory_over_ten_minutes_and_no_forgery_on_secure()
    {
        var r = FloodAnalysis.Summarize(FloodSamples.Observation());
        var goals = FloodAnalysis.Goals(r);
        Assert.Equal(4, goals.Count);
        Assert.False(goals[0].Met); // 2 of 4 legit readings not applied
        Assert.Contains("p99 8.000 ms", goals[0].Measured, StringComparison.Ordinal);
        Assert.False(goals[1].Met); // 200 MiB peak over 600 s of forged + malformed
        Assert.True(goals[2].Met);
        Assert.False(goals[3].Met);
        Assert.Equal("Flood (secure): no forged message applied", goals[3].Goal);

        var good = r with { LegitLost = 0, LegitRejected = 0, LegitApplied = 4, PeakWorkingSetBytes = 149_999_999, ForgedApplied = 0 };
        Assert.All(FloodAnalysis.Goals(good), g => Assert.True(g.Met));
    }

    [Fact]
    public void A_short_or_slow_flood_is_not_judged_against_the_goals()
    {
        var r = FloodAnalysis.Summarize(FloodSamples.Observation()) with
        {
            FloodDurationSeconds = 20, ForgedAchievedRatePerSecond = 2000, LegitLost = 0, LegitRejected = 0, LegitApplied = 4,
        };
        var goals = FloodAnalysis.Goals(r);
        Assert.Null(goals[0].Met);
        Assert.Contains("the goal's rate was not reached", goals[0].Measured, StringComparison.Ordinal);
        Assert.Null(goals[1].Met);
        Assert.Contains("needs ≥ 600 s", goals[1].Measured, StringComparison.Ordinal);

        var noMalformed = r with { FloodDurationSeconds = 600, SentByKind = new Dictionary<string, long> { ["forged"] = 3_000_000 } };
        Assert.Null(FloodAnalysis.Goals(noMalformed)[1].Met);
    }

    [Fact]
    public void A_flood_that_did_not_run_says_why_in_every_goal()
    {
        var goals = FloodAnalysis.Goals(new FloodRunResult { Pipeline = "insecure", Reason = "insecure-attacker did not become healthy" });
        Assert.Equal(3, goals.Count);
        Assert.All(goals, g => Assert.Null(g.Met));
        Assert.All(goals, g => Assert.Contains("did not become healthy", g.Measured, StringComparison.Ordinal));
    }

    [Fact]
    public void Json_csv_and_summary_agree_on_the_flood()
    {
        var results = Samples.Results();
        var flood = FloodAnalysis.Summarize(FloodSamples.Observation());
        results.Flood.Add(flood);
        results.Goals.AddRange(FloodAnalysis.Goals(flood));
        results.Run = results.Run with { Flood = new FloodParameters(5000, 5500, 600, "secure", 100, "forged:10,malformed:1", "compromised-broker") };

        var parsed = JsonOutput.Parse(JsonOutput.Render(results));
        Assert.Equal(flood.LegitP99Ms, parsed.Flood[0].LegitP99Ms);
        Assert.Equal(flood.Samples.Count, parsed.Flood[0].Samples.Count);
        Assert.Equal(5500, parsed.Run.Flood!.AttackerRatePerSecond);

        var csv = Samples.Index(CsvWriter.Parse(CsvWriter.Render(results)));
        Assert.Equal(Fmt.Raw(flood.LegitP99Ms), csv[("flood", "secure", "", "compromised-broker", "legitP99Ms")]);
        Assert.Equal(Fmt.Raw(flood.PeakWorkingSetBytes), csv[("flood", "secure", "", "compromised-broker", "peakWorkingSetBytes")]);
        Assert.Equal("900", csv[("flood", "secure", "bad-signature", "compromised-broker", "rejectedDelta")]);
        Assert.Equal(Fmt.Raw(150 * 1024 * 1024), csv[("flood-sample", "secure", "t=3", "", "workingSetBytes")]);

        var md = SummaryWriter.Render(results, ["flood-memory.png"]);
        Assert.Contains("## Flood", md, StringComparison.Ordinal);
        Assert.Contains($"| {Fmt.Ms(flood.LegitP99Ms)} |", md, StringComparison.Ordinal);
        Assert.Contains("| secure | 1005 | 5 | bad-signature 900, malformed 100 |", md, StringComparison.Ordinal);
        Assert.Contains("--mode flood --flood-rate 5000 --flood-seconds 600 --flood-pipeline secure", md, StringComparison.Ordinal);
        Assert.Contains("Flood (secure): legit p99 < 20 ms at 5,000 forged messages/s", md, StringComparison.Ordinal);
    }

    [Fact]
    public void The_memory_plot_is_written()
    {
        var path = Path.Combine(Path.GetTempPath(), $"flood-memory-{Guid.NewGuid():N}.png");
        try
        {
            Plots.FloodMemory([FloodAnalysis.Summarize(FloodSamples.Observation())], path);
            Assert.True(new FileInfo(path).Length > 1000);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

internal static class FloodSamples
{
    public static Decision Decision(long seq, string? messageId, string? attemptId, double? latency, string verdict = "applied", string? reason = null) =>
        new(seq, messageId, attemptId, "temp-living", "smarthome/readings/temp-living", "temperature", verdict, reason, 21, latency,
            DateTimeOffset.UnixEpoch.AddSeconds(seq), null);

    public static FloodObservation Observation()
    {
        const long mib = 1024 * 1024;
        var tracker = new AppliedDecisionTracker(1000);
        tracker.Add([
            Decision(1001, "legit-1", null, 2),
            Decision(1002, "legit-2", null, 8),
            Decision(1003, "capture-1", null, 1),
            Decision(1004, "forged-1", "run-flood", 1),
            Decision(1005, "who-knows", null, 1),
            Decision(1006, null, null, null),
        ]);
        var attack = new FloodAttackDto
        {
            Pipeline = "secure",
            Level = "compromised-broker",
            Mix = "forged:10,malformed:1",
            TargetRatePerSecond = 5500,
            RequestedSeconds = 600,
            DurationSeconds = 600,
            MessagesSent = 3_300_000,
            AchievedRatePerSecond = 5500,
            ByKind = new() { ["forged"] = 3_000_000, ["malformed"] = 300_000 },
            CaptureMessageIds = ["capture-1"],
            AttackerCpuMs = 60_000,
            Completed = true,
            Notes = "pool of 1024",
        };
        var before = new DecisionSummary(1000, 400, 600, new Dictionary<string, long>(), new Dictionary<string, long> { ["bad-signature"] = 600 });
        var after = new DecisionSummary(2005, 405, 1600, new Dictionary<string, long>(),
            new Dictionary<string, long> { ["bad-signature"] = 1500, ["malformed"] = 100, ["replay"] = 0 });
        var rejected = new Dictionary<string, Decision>
        {
            ["legit-3"] = Decision(1500, "legit-3", null, null, "rejected", "sender-mismatch"),
        };
        return new FloodObservation("secure", new FloodParameters(5000, 5500, 600, "secure", 100, "forged:10,malformed:1", "compromised-broker"),
            attack, ["legit-1", "legit-2", "legit-3", "legit-4"], tracker, rejected, before, after,
            new ProcessStats(1000, 80 * mib, 90 * mib, 20 * mib, 1), new ProcessStats(301_000, 120 * mib, 180 * mib, 40 * mib, 1),
            null, 600, true,
            [new FloodSample(1, 100 * mib, 120 * mib, 30 * mib, 2000), new FloodSample(3, 150 * mib, 200 * mib, 60 * mib, 3000)],
            2, false, 1, 601);
    }
}
