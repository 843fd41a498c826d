using System.Globalization;
using System.Text;
using SmartHome.Contracts;

namespace SmartHome.Report;

/// <summary>summary.md: the two tables of the paper (attack outcomes, latency) plus everything needed to trust them.</summary>
public static class SummaryWriter
{
    public static readonly string[] Pipelines = ["insecure", "secure"];

    public static string Render(ReportResults r, IReadOnlyCollection<string>? plots = null)
    {
        ArgumentNullException.ThrowIfNull(r);
        var sb = new StringBuilder();
        sb.Append("# SmartHome report (").Append(r.Run.Mode).Append(")\n\n");
        sb.Append(RunLine(r.Run)).Append("\n\n");

        if (r.Run.Mode is "full" or "latency")
        {
            sb.Append("## Attack outcomes\n\n");
            if (!r.Campaign.Ran)
            {
                sb.Append("**The attack campaign was not run**: ").Append(r.Campaign.Reason).Append("\n\n");
            }
            else
            {
                sb.Append(AttackTable(r.Attacks)).Append('\n');
                if (r.Campaign.Reason is { } partial)
                {
                    sb.Append("**Campaign incomplete**: ").Append(partial).Append("\n\n");
                }

                sb.Append("Each cell: attempts that succeeded on the victim's side (judged by the actuator's decision log) and the layer that ")
                  .Append("stopped the others; ").Append(Fmt.Int(r.Run.Attempts)).Append(" attempts per attack and level.\n\n");
            }

            sb.Append("## Latency and cost per message\n\n");
            sb.Append(LatencyTable(r.Latency, r.BrokerHop)).Append('\n');
            if (r.Latency.Count > 0)
            {
                var l = r.Latency[0];
                sb.Append("Both pipelines ran side by side: ").Append(Fmt.Int(l.Count)).Append(" readings each at ")
                  .Append(Fmt.Rate(l.TargetRatePerSecond)).Append(" readings/s (target), round-robin over the sensor's devices. ")
                  .Append("Latency is the actuator's own latencyMs: decision time (after verification and the home rule) − the reading's send timestamp (taken before sealing). ")
                  .Append("Lost = published but never decided; rejected = legitimate readings the actuator refused. ")
                  .Append("CPU/msg = (sensor + actuator CPU time during the run) / readings, from GET /process; the broker's CPU is not included. ")
                  .Append("The raw broker hop ran at the same time, rate and count through the insecure pipeline's broker: an MQTTnet publisher and ")
                  .Append("subscriber in the report's process, QoS 1, ").Append(Fmt.Int(BrokerHop.PayloadBytes))
                  .Append("-byte payloads, no crypto, JSON, spans or decision log; its latency is arrival at the subscriber − the publish timestamp.\n\n");
            }
        }

        if (r.Suites.Count > 0)
        {
            sb.Append("## Crypto suites\n\n").Append(Suites.SuitesSummary.Render(r.Suites, r.Run.ProcessorCount));
        }

        if (r.Flood.Count > 0)
        {
            sb.Append("## Flood\n\n").Append(FloodTables(r.Flood)).Append('\n');
        }

        if (r.Chaos is { } chaos)
        {
            sb.Append("## Chaos\n\n").Append(Chaos.ChaosSummary.Render(chaos)).Append('\n');
        }

        if (r.Crypto is { } c)
        {
            sb.Append("## Crypto cost breakdown\n\n");
            sb.Append(CryptoTable(c)).Append('\n');
        }

        if (r.Goals.Count > 0)
        {
            sb.Append("## Goals\n\n| Goal | Measured | Met |\n|---|---|---|\n");
            foreach (var g in r.Goals)
            {
                sb.Append("| ").Append(g.Goal).Append(" | ").Append(g.Measured).Append(" | ")
                  .Append(g.Met switch { true => "yes", false => "**no**", null => "not measured" }).Append(" |\n");
            }

            sb.Append('\n');
        }

        if (r.Throughput.Count > 0)
        {
            sb.Append("## Throughput\n\n").Append(ThroughputTable(r.Throughput)).Append('\n');
        }

        if (r.Fleet is { } f)
        {
            sb.Append("## Fleet\n\n").Append(FleetTable(f)).Append('\n');
        }

        if (plots is { Count: > 0 })
        {
            sb.Append("## Plots\n\n");
            foreach (var p in plots)
            {
                sb.Append("![").Append(p).Append("](").Append(p).Append(")\n");
            }

            sb.Append('\n');
        }

        if (r.Notes.Count > 0)
        {
            sb.Append("## Notes\n\n");
            foreach (var n in r.Notes)
            {
                sb.Append("- ").Append(n).Append('\n');
            }

            sb.Append('\n');
        }

        sb.Append("## Reproduce\n\n```\n").Append(ReproduceCommand(r.Run)).Append("\n```\n");
        return sb.ToString();
    }

    public static string RunLine(RunInfo run) =>
        $"Machine: {run.Machine}, {run.ProcessorCount} logical cores; {run.Os}; {run.Runtime}; Aspire {run.AspireVersion}; " +
        $"broker: {run.BrokerMode}; app: {run.AppSource}; commit {run.GitCommit ?? "unknown"}; " +
        $"started {run.StartedAt:yyyy-MM-dd HH:mm:ss} UTC, took {run.DurationSeconds:0} s; load average {run.LoadAverage}.";

    public static string ReproduceCommand(RunInfo run) => run.Chaos is { } c
        ? $"dotnet run -c Release --project services/tools/SmartHome.Report -- --mode chaos --chaos-seconds {c.Seconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)} " +
          $"--chaos-rate {c.RatePerSecond.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)} --chaos-seed {c.Seed}"
        : run.Suites is { } s
        ? $"dotnet run -c Release --project services/tools/SmartHome.Report -- --mode suites --suites {string.Join(',', s.Suites)} " +
          $"--suite-rates {string.Join(',', s.Rates.Select(Number))} --suite-seconds {Number(s.Seconds)} --sustain-seconds {Number(s.SustainSeconds)} " +
          $"--attempts {s.Attempts} --announcement-flood-seconds {Number(s.AnnouncementFloodSeconds)} --crypto-iterations {s.CryptoIterations}"
        : run.Flood is { } f
        ? $"dotnet run -c Release --project services/tools/SmartHome.Report -- --mode flood --flood-rate {Fmt.Rate(f.ForgedRatePerSecond)} " +
          $"--flood-seconds {f.Seconds} --flood-pipeline {f.Pipeline} --flood-legit-rate {Fmt.Rate(f.LegitRatePerSecond)} --flood-mix {f.Mix} --flood-level {f.Level}"
        : $"dotnet run --project services/tools/SmartHome.Report -- --mode {run.Mode} --attempts {run.Attempts} " +
        $"--readings {run.Readings} --rate {Fmt.Rate(run.RatePerSecond)} --concurrency {run.Concurrency} --fleet {run.FleetSize} " +
        $"--crypto-iterations {run.CryptoIterations}";

    /// <summary>A parameter as the command line takes it back (invariant, no needless decimals).</summary>
    private static string Number(double v) => v.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Table 1: one row per attack × level, one column per pipeline; a cell says what happened and which layer stopped it.</summary>
    public static string AttackTable(IReadOnlyList<AttackResult> attacks)
    {
        var sb = new StringBuilder("| Attack | Level | Insecure | Secure |\n|---|---|---|---|\n");
        var rows = attacks.Select(a => (a.Attack, a.Level)).Distinct().ToList();
        foreach (var (attack, level) in rows)
        {
            sb.Append("| ").Append(attack).Append(" | ").Append(level);
            foreach (var pipeline in Pipelines)
            {
                var a = attacks.FirstOrDefault(x => x.Attack == attack && x.Level == level && x.Pipeline == pipeline);
                sb.Append(" | ").Append(a is null ? "not run" : AttackCell(a));
            }

            sb.Append(" |\n");
        }

        return sb.ToString();
    }

    public static string AttackCell(AttackResult a)
    {
        if (a.Attempts == 0)
        {
            return "no attempts" + (string.IsNullOrWhiteSpace(a.Notes) ? string.Empty : $" ({a.Notes})");
        }

        var cell = $"{Fmt.Int(a.Succeeded)}/{Fmt.Int(a.Attempts)} succeeded";
        var blocked = a.BlockedBy.Where(kv => kv.Value > 0).OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        if (blocked.Count > 0)
        {
            cell += "; blocked by " + string.Join(", ", blocked.Select(kv => $"{kv.Key} ({Fmt.Int(kv.Value)})"));
        }

        if (a.Unjudged > 0)
        {
            cell += $"; {Fmt.Int(a.Unjudged)} unjudged";
        }

        return cell;
    }

    /// <summary>
    /// Table 2: latency percentiles, throughput and CPU per message per pipeline, and the raw broker hop measured beside
    /// them, with each pipeline's p50 as a multiple of the hop's (the floor no pipeline can go under).
    /// </summary>
    public static string LatencyTable(IReadOnlyList<LatencyResult> latency, BrokerHopResult? hop = null)
    {
        var sb = new StringBuilder(
            "| Pipeline | Readings | Lost | Rejected | mean ms | p50 ms | p95 ms | p99 ms | max ms | p50 ÷ hop p50 | Throughput /s | CPU ms/msg |\n" +
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        string Ratio(double p50) => hop is { Received: > 0, P50Ms: > 0 } h
            ? (p50 / h.P50Ms).ToString("0.00", CultureInfo.InvariantCulture) + " ×"
            : "–";
        foreach (var l in latency)
        {
            sb.Append("| ").Append(l.Pipeline)
              .Append(" | ").Append(Fmt.Int(l.Count))
              .Append(" | ").Append(Fmt.Int(l.Lost))
              .Append(" | ").Append(Fmt.Int(l.RejectedLegit))
              .Append(" | ").Append(Fmt.Ms(l.MeanMs))
              .Append(" | ").Append(Fmt.Ms(l.P50Ms))
              .Append(" | ").Append(Fmt.Ms(l.P95Ms))
              .Append(" | ").Append(Fmt.Ms(l.P99Ms))
              .Append(" | ").Append(Fmt.Ms(l.MaxMs))
              .Append(" | ").Append(Ratio(l.P50Ms))
              .Append(" | ").Append(Fmt.Rate(l.ThroughputPerSecond))
              .Append(" | ").Append(Fmt.Ms(l.CpuMsPerMessage))
              .Append(" |\n");
        }

        if (hop is not null)
        {
            sb.Append("| raw broker hop (floor) | ").Append(Fmt.Int(hop.Sent))
              .Append(" | ").Append(Fmt.Int(hop.Sent - hop.Received))
              .Append(" | – | ").Append(Fmt.Ms(hop.MeanMs))
              .Append(" | ").Append(Fmt.Ms(hop.P50Ms))
              .Append(" | – | ").Append(Fmt.Ms(hop.P99Ms))
              .Append(" | ").Append(Fmt.Ms(hop.MaxMs))
              .Append(" | ").Append(Ratio(hop.P50Ms))
              .Append(" | – | – |\n");
        }

        return sb.ToString();
    }

    public static string CryptoTable(CryptoBreakdown c)
    {
        var sb = new StringBuilder("| Operation | Iterations | mean µs | p50 µs | p99 µs |\n|---|---:|---:|---:|---:|\n");
        foreach (var op in c.Operations)
        {
            sb.Append("| ").Append(op.Operation).Append(" | ").Append(Fmt.Int(op.Iterations)).Append(" | ").Append(Fmt.Us(op.MeanUs))
              .Append(" | ").Append(Fmt.Us(op.P50Us)).Append(" | ").Append(Fmt.Us(op.P99Us)).Append(" |\n");
        }

        sb.Append('\n').Append(c.Method).Append(" Seal + open per message: ").Append(Fmt.Us(c.SealPlusOpenUs)).Append(" µs (mean), ")
          .Append(Fmt.Us(c.SealPlusOpenP50Us)).Append(" µs (p50)");
        if (c.MeasuredSecureMinusInsecureP50Us is { } d)
        {
            sb.Append("; measured end-to-end secure p50 − insecure p50: ").Append(Fmt.Us(d)).Append(" µs");
        }

        return sb.Append(".\n").ToString();
    }

    public static string ThroughputTable(IReadOnlyList<ThroughputResult> results)
    {
        var sb = new StringBuilder();
        sb.Append("| Pipeline | Highest passing rate /s | Achieved at that step /s | Bottleneck |\n|---|---:|---:|---|\n");
        foreach (var t in results)
        {
            sb.Append("| ").Append(t.Pipeline).Append(" | ").Append(Fmt.Rate(t.HighestPassingRatePerSecond)).Append(" | ")
              .Append(Fmt.Rate(t.AchievedAtHighestPerSecond)).Append(" | ").Append(t.Bottleneck).Append(" |\n");
        }

        sb.Append("\nSteps (a step passes when loss + rejections < 1 %, p99 < 50 ms and the actuator received ≥ 90 % of the target rate):\n\n")
          .Append("| Pipeline | Target /s | Readings | In flight | Achieved /s | Loss % | p50 ms | p99 ms | Sensor CPU % | Actuator CPU % | Broker CPU % | Machine busy % | Load avg | Verdict |\n")
          .Append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|\n");
        foreach (var s in results.SelectMany(t => t.Steps))
        {
            sb.Append("| ").Append(s.Pipeline).Append(" | ").Append(Fmt.Rate(s.TargetRatePerSecond)).Append(" | ").Append(Fmt.Int(s.Count))
              .Append(" | ").Append(Fmt.Int(s.Concurrency)).Append(" | ").Append(Fmt.Rate(s.AchievedPerSecond)).Append(" | ")
              .Append(Fmt.Pct(s.LossPercent)).Append(" | ").Append(Fmt.Ms(s.P50Ms)).Append(" | ").Append(Fmt.Ms(s.P99Ms)).Append(" | ")
              .Append(Fmt.Rate(s.SensorCpuPercent)).Append(" | ").Append(Fmt.Rate(s.ActuatorCpuPercent)).Append(" | ")
              .Append(s.BrokerCpuPercent is { } b ? Fmt.Rate(b) : "n/a").Append(" | ")
              .Append(s.MachineCpuPercent is { } m ? Fmt.Rate(m) : "n/a").Append(" | ").Append(s.LoadAverage).Append(" | ").Append(s.Verdict).Append(" |\n");
        }

        return sb.ToString();
    }

    public static string FleetTable(FleetResult f) =>
        "| Quantity | Value |\n|---|---:|\n" +
        $"| Device identities (own DSA-2048 key, own counter) | {Fmt.Int(f.Devices)} |\n" +
        $"| Key generation | {(f.KeysFromCache ? "from cache" : f.KeyGenSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " s")} |\n" +
        $"| Messages verified | {Fmt.Int(f.MessagesVerified)} |\n" +
        $"| Verification throughput, 1 thread (msg/s) | {Fmt.Rate(f.VerifyPerSecondSingleThread)} |\n" +
        $"| Verification throughput, {f.ParallelThreads} threads (msg/s) | {Fmt.Rate(f.VerifyPerSecondParallel)} |\n" +
        $"| Session-key announcements accepted (/s, 1 thread) | {Fmt.Rate(f.AnnouncementsPerSecond)} |\n" +
        $"| Receiver replay + key state, managed heap | {Fmt.Bytes(f.ReplayStateManagedBytes)} ({f.ReplayStateBytesPerSender:0} B per sender) |\n" +
        $"| Replay file (persisted highest counters) | {Fmt.Bytes(f.ReplayFileBytes)} ({f.ReplayFileBytesPerSender} B per slot) |\n" +
        $"| {Fmt.Int(f.Devices)} senders' state, managed heap (sensor side) | {Fmt.Bytes(f.SendersManagedBytes)} |\n" +
        $"\n{f.Method}\n";

    /// <summary>Flood mode: what the attacker sent, what happened to the legit readings, what the actuator decided and used.</summary>
    public static string FloodTables(IReadOnlyList<FloodRunResult> floods)
    {
        ArgumentNullException.ThrowIfNull(floods);
        var sb = new StringBuilder();
        foreach (var f in floods.Where(f => !f.Ran))
        {
            sb.Append("**The flood on ").Append(f.Pipeline).Append(" was not run**: ").Append(f.Reason).Append("\n\n");
        }

        var ran = floods.Where(f => f.Ran).ToList();
        if (ran.Count == 0)
        {
            return sb.ToString();
        }

        sb.Append("| Pipeline | Level | Mix (QoS 0) | Target /s (forged /s) | Sent | Seconds | Achieved /s (forged /s) | Publish errors | Legit sent | Legit applied | Lost | Rejected | p50 ms | p95 ms | p99 ms | max ms | Forged applied |\n")
          .Append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        foreach (var f in ran)
        {
            sb.Append("| ").Append(f.Pipeline).Append(" | ").Append(f.Level).Append(" | ").Append(f.Mix)
              .Append(" | ").Append(Fmt.Rate(f.TargetRatePerSecond)).Append(" (").Append(Fmt.Rate(f.ForgedTargetRatePerSecond)).Append(')')
              .Append(" | ").Append(Fmt.Int(f.MessagesSent))
              .Append(" | ").Append(f.FloodDurationSeconds.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture))
              .Append(" | ").Append(Fmt.Rate(f.AchievedRatePerSecond)).Append(" (").Append(Fmt.Rate(f.ForgedAchievedRatePerSecond)).Append(')')
              .Append(" | ").Append(Fmt.Int(f.PublishErrors))
              .Append(" | ").Append(Fmt.Int(f.LegitSent))
              .Append(" | ").Append(Fmt.Int(f.LegitApplied))
              .Append(" | ").Append(Fmt.Int(f.LegitLost))
              .Append(" | ").Append(Fmt.Int(f.LegitRejected))
              .Append(" | ").Append(Fmt.Ms(f.LegitP50Ms))
              .Append(" | ").Append(Fmt.Ms(f.LegitP95Ms))
              .Append(" | ").Append(Fmt.Ms(f.LegitP99Ms))
              .Append(" | ").Append(Fmt.Ms(f.LegitMaxMs))
              .Append(" | ").Append(Fmt.Int(f.ForgedApplied))
              .Append(" |\n");
        }

        sb.Append("\n| Pipeline | Decisions (Δ) | Applied (Δ) | Rejected by reason (Δ) | Decided /s | Peak working set | Peak managed heap | Actuator CPU % | Broker CPU % | Attacker CPU % | Healthy after | Drain s |\n")
          .Append("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---:|\n");
        foreach (var f in ran)
        {
            var reasons = f.RejectedByReasonDelta.Count == 0
                ? "none"
                : string.Join(", ", f.RejectedByReasonDelta.OrderByDescending(kv => kv.Value).Select(kv => $"{kv.Key} {Fmt.Int(kv.Value)}"));
            sb.Append("| ").Append(f.Pipeline)
              .Append(" | ").Append(Fmt.Int(f.DecisionsDelta))
              .Append(" | ").Append(Fmt.Int(f.AppliedDelta))
              .Append(" | ").Append(reasons)
              .Append(" | ").Append(Fmt.Rate(f.ActuatorDecisionsPerSecond))
              .Append(" | ").Append(Fmt.Bytes(f.PeakWorkingSetBytes))
              .Append(" | ").Append(Fmt.Bytes(f.PeakManagedHeapBytes))
              .Append(" | ").Append(Fmt.Rate(f.ActuatorCpuPercent))
              .Append(" | ").Append(f.BrokerCpuPercent is { } b ? Fmt.Rate(b) : "n/a")
              .Append(" | ").Append(Fmt.Rate(f.AttackerCpuPercent))
              .Append(" | ").Append(f.ActuatorHealthyAfter ? "yes" : "**no**")
              .Append(" | ").Append(Fmt.Rate(f.DrainSeconds))
              .Append(" |\n");
        }

        sb.Append("\nThe attacker publishes at QoS 0 (fire-and-forget) at the target rate from a bounded pool of prebuilt payloads; \"sent\" is what it wrote ")
          .Append("to its connection. Legit readings come from the sensor during the flood; their latency is the actuator's own latencyMs (decision time, after ")
          .Append("verification and the home rule, − the reading's send timestamp, taken before sealing), read from its decision log during the run. ")
          .Append("Lost = never applied and not found rejected by id within the drain time (a refused envelope has no readable id, so it counts as lost). ")
          .Append("Forged applied = applied decisions that are not the report's legit readings. Decisions, CPU % and decided/s span the flood request to the end of the drain; ")
          .Append("peak working set = max of the 1 s GET /process samples and of the process's own peak.\n");
        foreach (var f in ran.Where(f => f.AttackerNotes.Length > 0))
        {
            sb.Append("\nAttacker (").Append(f.Pipeline).Append("): ").Append(f.AttackerNotes).Append('\n');
        }

        return sb.ToString();
    }
}
