using SmartHome.Contracts;

namespace SmartHome.Report.Flood;

/// <summary>Turns a flood observation into the report's numbers and goal verdicts (pure, unit-tested).</summary>
public static class FloodAnalysis
{
    public const double GoalForgedRate = 5000;
    public const double GoalP99Ms = 20;
    public const long GoalPeakBytes = 150_000_000;
    public const int GoalSeconds = 600;

    public static FloodRunResult Summarize(FloodObservation o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var legit = new HashSet<string>(o.LegitIds, StringComparer.Ordinal);
        var captures = new HashSet<string>(o.Attack.CaptureMessageIds, StringComparer.Ordinal);
        var applied = legit.Select(o.Tracker.Applied).OfType<Decision>().ToList();
        var rejected = legit.Where(id => o.Tracker.Applied(id) is null && o.LegitRejected.TryGetValue(id, out var d) && d.Verdict != "applied")
            .Select(id => o.LegitRejected[id]).ToList();
        var stats = LatencyStats.Compute(applied.Where(d => d.LatencyMs is not null).Select(d => d.LatencyMs!.Value));
        var duration = o.Attack.DurationSeconds;
        var forgedSent = o.Attack.ByKind.GetValueOrDefault("forged");
        var peakWs = Math.Max(o.ActuatorAfter.PeakWorkingSetBytes, o.Samples.Select(s => Math.Max(s.WorkingSetBytes, s.PeakWorkingSetBytes)).DefaultIfEmpty(0).Max());
        var reasons = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (reason, count) in o.After.RejectedByReason)
        {
            var delta = count - o.Before.RejectedByReason.GetValueOrDefault(reason);
            if (delta != 0)
            {
                reasons[reason] = delta;
            }
        }

        double Pct(double ms) => o.WallSeconds > 0 ? ms / (o.WallSeconds * 1000) * 100 : 0;
        return new FloodRunResult
        {
            Pipeline = o.Pipeline,
            Ran = true,
            Level = o.Attack.Level,
            Mix = o.Attack.Mix,
            Qos = o.Attack.Qos,
            TargetRatePerSecond = o.Attack.TargetRatePerSecond,
            ForgedTargetRatePerSecond = o.Parameters.ForgedRatePerSecond,
            Seconds = o.Attack.RequestedSeconds,
            MessagesSent = o.Attack.MessagesSent,
            FloodDurationSeconds = duration,
            AchievedRatePerSecond = o.Attack.AchievedRatePerSecond,
            ForgedAchievedRatePerSecond = duration > 0 ? forgedSent / duration : 0,
            SentByKind = o.Attack.ByKind,
            PublishErrors = o.Attack.PublishErrors,
            MaxBacklogMessages = o.Attack.MaxBacklogMessages,
            AttackerCpuPercent = duration > 0 ? o.Attack.AttackerCpuMs / (duration * 1000) * 100 : 0,
            LegitSent = legit.Count,
            LegitRatePerSecond = o.Parameters.LegitRatePerSecond,
            LegitApplied = applied.Count,
            LegitRejected = rejected.Count,
            LegitLost = legit.Count - applied.Count - rejected.Count,
            LegitRejectReasons = rejected.GroupBy(d => d.Reason ?? "unknown").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            LegitP50Ms = stats.P50Ms,
            LegitP95Ms = stats.P95Ms,
            LegitP99Ms = stats.P99Ms,
            LegitP999Ms = stats.P999Ms,
            LegitMaxMs = stats.MaxMs,
            LegitMeanMs = stats.MeanMs,
            LegitCdf = stats.Cdf,
            ForgedApplied = o.Tracker.Labelled + o.Tracker.CountUnknown(legit, captures),
            KeyAnnouncementsApplied = o.Tracker.Control,
            DecisionsDelta = o.After.Total - o.Before.Total,
            AppliedDelta = o.After.Applied - o.Before.Applied,
            RejectedDelta = o.After.Rejected - o.Before.Rejected,
            RejectedByReasonDelta = reasons,
            ActuatorDecisionsPerSecond = o.WallSeconds > 0 ? (o.After.Total - o.Before.Total) / o.WallSeconds : 0,
            ActuatorCpuPercent = Pct(o.ActuatorAfter.CpuMilliseconds - o.ActuatorBefore.CpuMilliseconds),
            BrokerCpuPercent = o.BrokerCpuMs is { } b ? Pct(b) : null,
            ActuatorHealthyAfter = o.Healthy,
            PeakWorkingSetBytes = peakWs,
            PeakManagedHeapBytes = Math.Max(o.ActuatorAfter.ManagedHeapBytes, o.Samples.Select(s => s.ManagedHeapBytes).DefaultIfEmpty(0).Max()),
            DrainSeconds = o.DrainSeconds,
            DecisionLogOverrun = o.Overrun,
            FloodStartSeconds = o.FloodStartSeconds,
            FloodEndSeconds = o.FloodEndSeconds,
            AttackerNotes = ReportResults.OneLine(o.Attack.Notes),
            Samples = o.Samples,
        };
    }

    /// <summary>The flood goals, each with what was measured; "not measured" when the run cannot judge it (rate or duration too small).</summary>
    public static List<GoalCheck> Goals(FloodRunResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var latencyGoal = $"Flood ({r.Pipeline}): legit p99 < {Fmt.Rate(GoalP99Ms)} ms at {GoalForgedRate:#,0} forged messages/s";
        var memoryGoal = $"Flood ({r.Pipeline}): actuator peak working set < 150 MB over a 10-minute flood of forged and malformed messages";
        var healthGoal = $"Flood ({r.Pipeline}): actuator healthy after the flood";
        if (!r.Ran)
        {
            var why = "not run: " + r.Reason;
            return [new(latencyGoal, why, null), new(memoryGoal, why, null), new(healthGoal, why, null)];
        }

        var goals = new List<GoalCheck>();
        var notApplied = r.LegitLost + r.LegitRejected;
        var latency = $"p99 {Fmt.Ms(r.LegitP99Ms)} ms (p50 {Fmt.Ms(r.LegitP50Ms)}, max {Fmt.Ms(r.LegitMaxMs)}) over {Fmt.Int(r.LegitApplied)} applied legit readings " +
                      $"at {Fmt.Rate(r.ForgedAchievedRatePerSecond)} forged/s sent; {Fmt.Int(notApplied)} of {Fmt.Int(r.LegitSent)} not applied";
        if (r.ForgedAchievedRatePerSecond < 0.99 * GoalForgedRate)
        {
            goals.Add(new(latencyGoal, latency + $" — the goal's rate was not reached ({Fmt.Rate(r.ForgedAchievedRatePerSecond)} < {GoalForgedRate:0} forged/s)", null));
        }
        else if (r.LegitApplied == 0)
        {
            goals.Add(new(latencyGoal, $"no legit reading was applied ({Fmt.Int(r.LegitSent)} sent)", false));
        }
        else
        {
            // Readings that never arrived cannot hide in the tail: more than 1 % not applied fails the goal too.
            goals.Add(new(latencyGoal, latency, r.LegitP99Ms < GoalP99Ms && r.LegitNotAppliedPercent <= 1));
        }

        var memory = $"peak {Fmt.Bytes(r.PeakWorkingSetBytes)} ({Fmt.Int(r.PeakWorkingSetBytes)} bytes; goal < {Fmt.Int(GoalPeakBytes)}) over a " +
                     $"{r.FloodDurationSeconds:0}-s flood of {r.Mix}";
        var hasForged = r.SentByKind.GetValueOrDefault("forged") > 0;
        var hasMalformed = r.SentByKind.GetValueOrDefault("malformed") > 0;
        if (r.FloodDurationSeconds < 0.99 * GoalSeconds || !hasForged || !hasMalformed)
        {
            goals.Add(new(memoryGoal, memory + $" — the goal needs ≥ {GoalSeconds} s with forged and malformed messages", null));
        }
        else
        {
            goals.Add(new(memoryGoal, memory, r.PeakWorkingSetBytes < GoalPeakBytes));
        }

        goals.Add(new(healthGoal, r.ActuatorHealthyAfter ? "GET /health answered 200 after the drain" : "GET /health did not answer 200 after the drain",
            r.ActuatorHealthyAfter));
        if (r.Pipeline == "secure")
        {
            goals.Add(new("Flood (secure): no forged message applied", $"{Fmt.Int(r.ForgedApplied)} applied of {Fmt.Int(r.MessagesSent)} sent",
                r.ForgedApplied == 0));
        }

        return goals;
    }
}
