using System.Globalization;
using SmartHome.Contracts;

namespace SmartHome.Report.Suites;

/// <summary>Suites mode's numbers from the measurements: points, crypto share, properties table and goals (pure, unit-tested).</summary>
public static class SuiteAnalysis
{
    /// <summary>The modern goal's sustained rate, readings/s.</summary>
    public const double ModernGoalPerSecond = 5000;

    /// <summary>The seed goal's p50 at 4/s and 100/s, ms.</summary>
    public const double SeedGoalP50Ms = 1.5;

    public const string Design = "design (docs/PROTOCOL.md)";
    public const string Measured = "measured (this run's campaign)";

    /// <summary>One pipeline at one rate: latency from the actuator's decisions, CPU per reading from the processes' CPU time.</summary>
    public static SuiteLatencyPoint Point(RunMeasurement m, BrokerHopResult? hop)
    {
        ArgumentNullException.ThrowIfNull(m);
        var l = Analysis.Latency(m);
        double PerReading(double ms) => l.Count == 0 ? 0 : ms * 1000 / l.Count;
        return new SuiteLatencyPoint(m.Pipeline, m.TargetRatePerSecond, l.Count, l.Applied, l.Lost, l.RejectedLegit, l.MeanMs, l.P50Ms, l.P99Ms,
            PerReading(m.SensorCpuMs), PerReading(m.ActuatorCpuMs), m.BrokerCpuMs is { } b ? PerReading(b) : null,
            hop is { Received: > 0 } h ? h.P50Ms : null);
    }

    /// <summary>
    /// A reading's crypto (seal + open and its acknowledgement's sign + verify, p50s in-process: a mean would carry other work's
    /// outliers) as a share of the secure pipeline's CPU per reading at the highest measured rate, where the processes' idle work
    /// weighs least; null when either is missing.
    /// </summary>
    public static double? CryptoShare(SuiteCryptoCost? crypto, IReadOnlyList<SuiteLatencyPoint> latency)
    {
        var top = HighestRatePoint(latency, "secure");
        return crypto is null || top is not { PipelineCpuUsPerReading: > 0 } ? null : 100 * crypto.PerReadingP50Us / top.PipelineCpuUsPerReading;
    }

    /// <summary>
    /// The pipeline's point at the highest rate it applied readings at, where the processes' idle work weighs least on the CPU
    /// per reading (the cost table, the crypto share and the floor all read it); null when none.
    /// </summary>
    public static SuiteLatencyPoint? HighestRatePoint(IReadOnlyList<SuiteLatencyPoint> latency, string pipeline)
    {
        ArgumentNullException.ThrowIfNull(latency);
        return latency.Where(p => p.Pipeline == pipeline && p.Applied > 0).MaxBy(p => p.RatePerSecond);
    }

    /// <summary>
    /// The most readings/s this machine could carry in this suite if the pipeline cost nothing beyond one raw broker hop and the
    /// reading's seal + open (p50s): <paramref name="cores"/> × 10⁶ ÷ (hop CPU µs per message + seal + open µs). An upper bound:
    /// the acknowledgement, TLS, JSON, the outbox, the decision log and spans all come on top. Null when either is missing.
    /// </summary>
    public static double? Ceiling(SuiteResult suite, int cores)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return FloorCpuUsPerReading(suite) is { } floor ? cores * 1_000_000 / floor : null;
    }

    /// <summary>One raw hop's CPU per message (clients + broker) + seal p50 + open p50: the CPU no pipeline of this suite can go below.</summary>
    public static double? FloorCpuUsPerReading(SuiteResult suite)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return suite.HopCapacity is { Received: > 0, CpuUsPerMessage: > 0 } hop && suite.Crypto is { } c ? hop.CpuUsPerMessage + c.SealPlusOpenP50Us : null;
    }

    /// <summary>
    /// The lowest p50 a secure reading of this suite could have at that point's rate: the raw hop's p50 measured beside it plus
    /// seal p50 + open p50, which both lie on the reading's path (sealed before the send, opened before it is applied).
    /// </summary>
    public static double? LatencyFloorMs(SuiteResult suite, SuiteLatencyPoint point)
    {
        ArgumentNullException.ThrowIfNull(suite);
        ArgumentNullException.ThrowIfNull(point);
        return point.HopP50Ms is { } hop && suite.Crypto is { } c ? hop + c.SealPlusOpenP50Us / 1000 : null;
    }

    /// <summary>
    /// Sustain attempts merged into one verdict: passes with 0 lost, 0 rejected, p99 &lt; 50 ms and ≥ 90 % of the target rate
    /// achieved over the chunks' wall time.
    /// </summary>
    public static SuiteSustain Sustain(double rate, IReadOnlyList<RunMeasurement> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        var merged = new RunMeasurement("secure", [.. chunks.SelectMany(c => c.MessageIds)], [.. chunks.SelectMany(c => c.Decisions)], rate,
            chunks.Sum(c => c.WallSeconds), chunks.Sum(c => c.SensorCpuMs), chunks.Sum(c => c.ActuatorCpuMs),
            chunks.All(c => c.BrokerCpuMs is not null) ? chunks.Sum(c => c.BrokerCpuMs ?? 0) : null, 0);
        var l = Analysis.Latency(merged);
        var achieved = merged.WallSeconds > 0 ? l.Applied / merged.WallSeconds : 0;
        var reasons = new List<string>();
        if (l.Lost > 0 || l.RejectedLegit > 0)
        {
            reasons.Add($"{l.Lost} lost, {l.RejectedLegit} rejected");
        }

        if (l.P99Ms >= 50)
        {
            reasons.Add($"p99 {Fmt.Ms(l.P99Ms)} ms");
        }

        if (achieved < 0.9 * rate)
        {
            reasons.Add($"only {Fmt.Rate(achieved)}/s achieved");
        }

        var cpuSeconds = (merged.SensorCpuMs + merged.ActuatorCpuMs + (merged.BrokerCpuMs ?? 0)) / 1000;
        return new SuiteSustain(rate, Math.Round(merged.WallSeconds, 1), l.Count, l.Lost, l.RejectedLegit, l.P50Ms, l.P99Ms, achieved, cpuSeconds,
            reasons.Count == 0, reasons.Count == 0 ? "pass" : "fail: " + string.Join(", ", reasons));
    }

    /// <summary>
    /// The properties table of one suite (or "insecure"): design facts from docs/PROTOCOL.md "What each suite gives and gives up",
    /// and, when the campaign ran, one measured row per attack: stopped (0 successes at every level) or not.
    /// </summary>
    public static List<SuiteProperty> Properties(string suite, IReadOnlyList<AttackResult> attacks)
    {
        ArgumentNullException.ThrowIfNull(attacks);
        var (conf, integrity, origin, replay, fs, nonRep) = suite switch
        {
            "seed" => ("yes (AES-GCM)", "yes (GCM + DSA)", "yes (DSA per message)", "yes (counter window + freshness)",
                "no: the actuator's static RSA key unwraps every recorded session", "yes (DSA per message)"),
            "modern" => ("yes (AES-GCM)", "yes (GCM + Ed25519)", "yes (Ed25519 per message)", "yes (counter window + freshness)",
                "partial: against device key theft only; the actuator's X25519 key is static", "yes (Ed25519 per message)"),
            "session-signed" => ("yes (AES-GCM)", "yes (GCM)", "toward the actuator only (signed announcement, then a shared key)",
                "yes (counter window + freshness)", "partial, as modern", "no: a data message is a MAC under a key the actuator also holds"),
            _ => ("no", "no", "no", "no", "no", "no"),
        };
        var rows = new List<SuiteProperty>
        {
            new("confidentiality", conf, Design),
            new("integrity", integrity, Design),
            new("origin", origin, Design),
            new("replay", replay, Design),
            new("forward secrecy", fs, Design),
            new("per-message non-repudiation", nonRep, Design),
        };
        foreach (var attack in attacks.GroupBy(a => a.Attack, StringComparer.Ordinal))
        {
            var attempts = attack.Sum(a => a.Attempts);
            var succeeded = attack.Sum(a => a.Succeeded);
            var unjudged = attack.Sum(a => a.Unjudged);
            var value = attempts == 0 ? "not applicable (0 attempts)"
                : succeeded > 0 ? $"NOT stopped: {succeeded}/{attempts} succeeded"
                : unjudged > 0 ? $"0/{attempts} succeeded, {unjudged} unjudged"
                : $"stopped (0/{attempts} at every level)";
            rows.Add(new SuiteProperty("attack: " + attack.Key, value, Measured));
        }

        return rows;
    }

    /// <summary>
    /// The suites goals, each met / not met / not measured (null) from this run's numbers only; where this machine's physics
    /// (<see cref="Ceiling"/>, <see cref="LatencyFloorMs"/>) already rule a goal out, its text says so.
    /// </summary>
    public static List<GoalCheck> Goals(IReadOnlyList<SuiteResult> suites, int cores)
    {
        ArgumentNullException.ThrowIfNull(suites);
        return [ModernGoal(suites, cores), SeedGoal(suites), HopGoal(suites), CampaignGoal(suites)];
    }

    private static GoalCheck ModernGoal(IReadOnlyList<SuiteResult> suites, int cores)
    {
        const string goal = "modern sustains ≥ 5,000 readings/s (p99 < 50 ms, 0 loss) and its p50 ≤ 1.3 × insecure p50 (same run)";
        var modern = suites.FirstOrDefault(s => s.Suite == "modern" && s.Ran);
        if (modern is null)
        {
            return new GoalCheck(goal, "not measured (modern not run)", null);
        }

        var parts = new List<string>();
        bool? sustained = null;
        if (modern.Sustain.Count > 0)
        {
            var best = modern.HighestSustained;
            sustained = best is { TargetRatePerSecond: >= ModernGoalPerSecond };
            parts.Add(best is null ? "no sustain attempt passed" : $"sustained {Fmt.Rate(best.TargetRatePerSecond)}/s for {Fmt.Rate(best.Seconds)} s");
        }
        else if (modern.Throughput is not null)
        {
            // The search ran but no step passed, so there was no rate to sustain.
            sustained = false;
            parts.Add("no step of the throughput search passed");
        }
        else
        {
            parts.Add("sustain not run");
        }

        if (Ceiling(modern, cores) is { } ceiling)
        {
            parts.Add($"this machine's ceiling for modern {Fmt.Rate(ceiling)}/s ({cores} cores ÷ (raw hop {Fmt.Us(modern.HopCapacity!.CpuUsPerMessage)} µs " +
                $"+ seal + open {Fmt.Us(modern.Crypto!.SealPlusOpenP50Us)} µs per reading))" + (ceiling < ModernGoalPerSecond ? ", below the goal: out of reach here" : string.Empty));
        }

        var ratios = Ratios(modern);
        bool? within = ratios.Count == 0 ? null : ratios.All(r => r.Ratio <= 1.3);
        parts.Add(ratios.Count == 0 ? "no p50 pair" : "p50 ÷ insecure p50: " + string.Join(", ", ratios.Select(r => $"{Fmt.Rate(r.Rate)}/s {Ratio(r.Ratio)} ×")));
        bool? met = sustained == false || within == false ? false : sustained is null || within is null ? null : true;
        return new GoalCheck(goal, string.Join("; ", parts), met);
    }

    private static GoalCheck SeedGoal(IReadOnlyList<SuiteResult> suites)
    {
        const string goal = "seed p50 ≤ 1.5 ms and mean ≤ 2 ms at 4/s and 100/s";
        var seed = suites.FirstOrDefault(s => s.Suite == "seed" && s.Ran);
        var points = seed?.Latency.Where(p => p.Pipeline == "secure" && p.Applied > 0 && (p.RatePerSecond == 4 || p.RatePerSecond == 100)).ToList() ?? [];
        if (points.Select(p => p.RatePerSecond).Distinct().Count() < 2)
        {
            return new GoalCheck(goal, "not measured (needs seed at 4/s and 100/s)", null);
        }

        var floors = points.Select(p => LatencyFloorMs(seed!, p)).ToList();
        var text = string.Join(", ", points.Select((p, i) => $"{Fmt.Rate(p.RatePerSecond)}/s: p50 {Fmt.Ms(p.P50Ms)} ms, mean {Fmt.Ms(p.MeanMs)} ms" +
            (floors[i] is { } f ? $" (floor: hop + seal + open {Fmt.Ms(f)} ms)" : string.Empty)));
        if (floors.Any(f => f > SeedGoalP50Ms))
        {
            text += "; the floor alone is above 1.5 ms: out of reach here";
        }

        return new GoalCheck(goal, text, points.All(p => p.P50Ms <= SeedGoalP50Ms && p.MeanMs <= 2));
    }

    private static GoalCheck HopGoal(IReadOnlyList<SuiteResult> suites)
    {
        const string goal = "insecure p50 ≤ 2 × the raw broker hop's p50 (every suite's run, every rate)";
        var points = suites.SelectMany(s => s.Latency.Where(p => p.Pipeline == "insecure" && p.P50OverHop is not null).Select(p => (s.Suite, Point: p))).ToList();
        return points.Count == 0
            ? new GoalCheck(goal, "not measured", null)
            : new GoalCheck(goal, string.Join(", ", points.Select(x => $"{x.Suite} run {Fmt.Rate(x.Point.RatePerSecond)}/s {Ratio(x.Point.P50OverHop!.Value)} ×")),
                points.All(x => x.Point.P50OverHop <= 2));
    }

    private static GoalCheck CampaignGoal(IReadOnlyList<SuiteResult> suites)
    {
        const string goal = "campaign: 0 secure successes at every level for every suite";
        var ran = suites.Where(s => s.Campaign.Ran).ToList();
        if (ran.Count == 0)
        {
            return new GoalCheck(goal, "not measured (campaign not run in this mode)", null);
        }

        var succeeded = ran.ToDictionary(s => s.Suite, s => s.Attacks.Sum(a => a.Succeeded));
        var missing = suites.Where(s => !s.Campaign.Ran).Select(s => s.Suite).ToList();
        var text = string.Join(", ", succeeded.Select(kv => $"{kv.Key} {kv.Value} successes")) +
            (missing.Count > 0 ? $"; not run for {string.Join(", ", missing)}" : string.Empty);
        return new GoalCheck(goal, text, succeeded.Values.Any(v => v > 0) ? false : missing.Count > 0 ? null : true);
    }

    /// <summary>The suite's secure p50 ÷ the insecure p50 measured beside it, per rate.</summary>
    public static List<(double Rate, double Ratio)> Ratios(SuiteResult suite)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return [.. suite.Latency.Where(p => p.Pipeline == "secure" && p.Applied > 0)
            .Select(p => (p.RatePerSecond, Insecure: suite.Latency.FirstOrDefault(i => i.Pipeline == "insecure" && i.RatePerSecond == p.RatePerSecond && i.Applied > 0), p.P50Ms))
            .Where(x => x.Insecure is { P50Ms: > 0 })
            .Select(x => (x.RatePerSecond, x.P50Ms / x.Insecure!.P50Ms))];
    }

    public static string Ratio(double v) => v.ToString("0.00", CultureInfo.InvariantCulture);
}
