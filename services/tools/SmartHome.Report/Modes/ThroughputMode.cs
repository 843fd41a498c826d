using System.Globalization;

namespace SmartHome.Report.Modes;

/// <summary><c>--mode throughput</c>: steps each pipeline's rate up (doubling, then bisecting) until loss or p99 fails.</summary>
public sealed class ThroughputMode : IReportMode
{
    public ReportMode Mode => ReportMode.Throughput;

    public bool NeedsApp => true;

    public async Task RunAsync(ReportContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var results = context.Results;
        using var clients = PipelineClients.ForBoth(context.App);
        foreach (var p in ReportRunner.Pipelines)
        {
            results.Throughput.Add(await ThroughputAsync(clients[p], context.Options, results, context.Progress, ct).ConfigureAwait(false));
        }

        AddThroughputGoals(results);
        results.Note("Throughput steps run one pipeline at a time (the other idles), so each pipeline has the whole machine; " +
            "a step's count is bounded (about --step-seconds of traffic, 1,000..40,000 readings).");
    }

    /// <summary>A machine this busy over a step has no CPU left for the pipeline to grow into.</summary>
    public const double MachineBusyPercent = 90;

    /// <summary>
    /// Names what limited the first failing step: the machine when the pipeline's processes together use most of its
    /// cores, or when every process on it together kept it busy (the app's orchestration, its console and this report
    /// share the cores too); the in-flight window when every process had CPU to spare and the rate fell short; CPU
    /// contention from other work when no pipeline process was near a core; otherwise the busiest process (CPU % of one
    /// core, from GET /process and /proc for the broker).
    /// </summary>
    public static string Bottleneck(IReadOnlyList<ThroughputStep> steps, int? cores = null)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var machineCores = cores ?? Environment.ProcessorCount;
        var failed = steps.Where(s => !s.Passed).OrderBy(s => s.TargetRatePerSecond).FirstOrDefault();
        if (failed is null)
        {
            return "none found: every step passed up to the ceiling";
        }

        var cpu = new List<(string Name, double Percent)> { ("sensor", failed.SensorCpuPercent), ("actuator", failed.ActuatorCpuPercent) };
        if (failed.BrokerCpuPercent is { } broker)
        {
            cpu.Add(("broker", broker));
        }

        var busiest = cpu.MaxBy(c => c.Percent);
        var text = $"at {Fmt.Rate(failed.TargetRatePerSecond)}/s: " + string.Join(", ", cpu.Select(c => $"{c.Name} {Fmt.Rate(c.Percent)} %")) +
            " of one core";
        var total = cpu.Sum(c => c.Percent);
        if (total >= 80 * machineCores)
        {
            return text + $"; together {Fmt.Rate(total)} % of one core, i.e. {Fmt.Rate(total / machineCores)} % of this machine's " +
                $"{machineCores} cores: the pipeline's own processes saturate the machine (busiest: {busiest.Name})";
        }

        if (failed.MachineCpuPercent is { } machine && machine >= MachineBusyPercent)
        {
            var pipelineShare = total / machineCores;
            return text + $"; the machine's {machineCores} cores were {Fmt.Rate(machine)} % busy over the step: the pipeline's processes " +
                $"{Fmt.Rate(pipelineShare)} %, other processes (the app's orchestration, console, this report) {Fmt.Rate(Math.Max(0, machine - pipelineShare))} %: " +
                $"the machine's CPU limited this step (busiest: {busiest.Name})";
        }

        if (busiest.Percent < 70 && failed.AchievedPerSecond < Analysis.ArrivedShareToPass * failed.TargetRatePerSecond && failed.AchievedPerSecond > 0)
        {
            // Little's law: a sender that keeps at most C publishes in flight, each holding its slot T seconds, sends at most C / T.
            var slotMs = failed.Concurrency / failed.AchievedPerSecond * 1000;
            return text + $"; every process had CPU to spare, and {failed.Concurrency} publishes in flight at " +
                $"{Fmt.Rate(failed.AchievedPerSecond)}/s means each held its slot {slotMs.ToString("0.0", CultureInfo.InvariantCulture)} ms " +
                "(the outbox's fsync and the broker's PUBACK): the in-flight window limited this step, not the CPU " +
                "(more with --throughput-concurrency)";
        }

        if (busiest.Percent < 70)
        {
            return text + $"; no pipeline process was near a full core while the machine's load average was {failed.LoadAverage}: " +
                "CPU contention from other work limited this step, not the pipeline";
        }

        return text + $"; busiest: {busiest.Name}" +
            (busiest.Name == "actuator" ? " (its MQTT message handler is sequential: one core at most)" : string.Empty);
    }

    private static void AddThroughputGoals(ReportResults r)
    {
        foreach (var (pipeline, goal) in new[] { ("insecure", 20_000.0), ("secure", 2_000.0) })
        {
            var t = r.Throughput.FirstOrDefault(x => x.Pipeline == pipeline);
            r.Goals.Add(new GoalCheck($"Issue 6: {pipeline} sustains ≥ {Fmt.Rate(goal)} readings/s (loss < 1 %, p99 < 50 ms)",
                t is null ? "not measured" : $"highest passing step {Fmt.Rate(t.HighestPassingRatePerSecond)}/s",
                t is null ? null : t.HighestPassingRatePerSecond >= goal));
        }
    }

    /// <summary>The step search on one pipeline (suites mode reuses it for each suite's secure pipeline).</summary>
    internal static async Task<ThroughputResult> ThroughputAsync(PipelineClient client, ReportOptions options, ReportResults results, ConsoleProgress progress,
        CancellationToken ct)
    {
        var pipeline = client.Pipeline;
        await LatencyRun.WarmUpAsync([client], 1000, options.ThroughputConcurrency, results, progress, ct).ConfigureAwait(false);
        var rate = pipeline == "secure" ? 500.0 : 2000.0;
        var ceiling = pipeline == "secure" ? 16_000.0 : 128_000.0;
        var steps = new List<ThroughputStep>();
        double? pass = null;
        double? fail = null;

        async Task<ThroughputStep> StepAsync(double r)
        {
            var count = (int)Math.Clamp(r * options.StepSeconds, 1000, 40_000);
            progress.Line($"{pipeline}: step at {Fmt.Rate(r)}/s ({count} readings, {options.ThroughputConcurrency} in flight)...");
            var m = await client.MeasureAsync(count, r, options.ThroughputConcurrency, f => progress.Report($"{pipeline} @ {Fmt.Rate(r)}/s", f), ct)
                .ConfigureAwait(false);
            var step = Analysis.Step(m, options.ThroughputConcurrency) with { LoadAverage = MachineInfo.LoadAverage() };
            steps.Add(step);
            progress.Line($"{pipeline} @ {Fmt.Rate(r)}/s: achieved {Fmt.Rate(step.AchievedPerSecond)}/s, p99 {Fmt.Ms(step.P99Ms)} ms, " +
                $"loss {Fmt.Pct(step.LossPercent)} %, CPU sensor {Fmt.Rate(step.SensorCpuPercent)} %, actuator {Fmt.Rate(step.ActuatorCpuPercent)} %, " +
                $"broker {(step.BrokerCpuPercent is { } b ? Fmt.Rate(b) : "?")} %, machine {(step.MachineCpuPercent is { } busy ? Fmt.Rate(busy) : "?")} % busy, " +
                $"load {step.LoadAverage} → {step.Verdict}");
            return step;
        }

        // Double until a step fails, then bisect twice between the last pass and the first fail.
        while (rate <= ceiling)
        {
            var s = await StepAsync(rate).ConfigureAwait(false);
            if (!s.Passed)
            {
                fail = rate;
                break;
            }

            pass = rate;
            rate *= 2;
        }

        if (fail is not null)
        {
            var low = pass ?? fail.Value / 4;
            var high = fail.Value;
            for (var i = 0; i < 2; i++)
            {
                var mid = Math.Round((low + high) / 2 / 100) * 100;
                if (mid <= low || mid >= high)
                {
                    break;
                }

                if ((await StepAsync(mid).ConfigureAwait(false)).Passed)
                {
                    low = mid;
                    pass = Math.Max(pass ?? 0, mid);
                }
                else
                {
                    high = mid;
                }
            }
        }

        var best = steps.Where(s => s.Passed).OrderByDescending(s => s.TargetRatePerSecond).FirstOrDefault();
        return new ThroughputResult(pipeline, best?.TargetRatePerSecond ?? 0, best?.AchievedPerSecond ?? 0, Bottleneck(steps), steps);
    }
}
