using System.Text;

namespace SmartHome.Report.Suites;

/// <summary>summary.md's suites section: latency per suite × rate, cost and throughput per suite, properties and attacks stopped.</summary>
public static class SuitesSummary
{
    public static string Render(IReadOnlyList<SuiteResult> suites, int cores)
    {
        ArgumentNullException.ThrowIfNull(suites);
        var sb = new StringBuilder();
        foreach (var s in suites.Where(s => !s.Ran))
        {
            sb.Append("**Suite ").Append(s.Suite).Append(" was not measured**: ").Append(s.Problem).Append("\n\n");
        }

        var ran = suites.Where(s => s.Ran).ToList();
        sb.Append("### Latency per suite and rate\n\n")
          .Append("| Suite run | Rate /s | Pipeline | Readings | Lost | Rejected | mean ms | p50 ms | p99 ms | p50 ÷ insecure p50 | hop p50 ms | p50 ÷ hop p50 |\n")
          .Append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var s in ran)
        {
            var ratios = SuiteAnalysis.Ratios(s).ToDictionary(r => r.Rate, r => r.Ratio);
            foreach (var p in s.Latency.OrderBy(p => p.RatePerSecond).ThenBy(p => p.Pipeline == "secure" ? 1 : 0))
            {
                sb.Append("| ").Append(s.Suite).Append(" | ").Append(Fmt.Rate(p.RatePerSecond)).Append(" | ")
                  .Append(p.Pipeline == "secure" ? $"**{s.Suite}**" : "insecure").Append(" | ").Append(Fmt.Int(p.Count)).Append(" | ")
                  .Append(Fmt.Int(p.Lost)).Append(" | ").Append(Fmt.Int(p.RejectedLegit)).Append(" | ").Append(Fmt.Ms(p.MeanMs)).Append(" | ")
                  .Append(Fmt.Ms(p.P50Ms)).Append(" | ").Append(Fmt.Ms(p.P99Ms)).Append(" | ")
                  .Append(p.Pipeline == "secure" && ratios.TryGetValue(p.RatePerSecond, out var r) ? SuiteAnalysis.Ratio(r) + " ×" : "—").Append(" | ")
                  .Append(p.HopP50Ms is { } h ? Fmt.Ms(h) : "not measured").Append(" | ")
                  .Append(p.P50OverHop is { } o ? SuiteAnalysis.Ratio(o) + " ×" : "—").Append(" |\n");
            }
        }

        sb.Append("\nEach suite ran in its own app; its secure pipeline, the insecure pipeline and the raw broker hop (MQTTnet publisher and ")
          .Append("subscriber in the report, QoS 1, ").Append(Fmt.Int(BrokerHop.PayloadBytes)).Append("-byte payloads, through the insecure broker) ")
          .Append("ran side by side at each rate, one publish in flight. Latency is the actuator's own latencyMs.\n\n");

        sb.Append("### Cost and throughput per suite\n\n")
          .Append("| Pipeline | at rate /s | sensor µs/reading | broker µs/reading | actuator µs/reading | pipeline µs/reading | readings per CPU-s | ")
          .Append("wire bytes/reading | announcement bytes | seal + open µs (p50) | ack sign + verify µs (p50) | crypto share | highest sustained /s | achieved /s | readings per CPU-s (sustain) |\n")
          .Append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var s in ran)
        {
            var top = SuiteAnalysis.HighestRatePoint(s.Latency, "secure");
            var best = s.HighestSustained;
            sb.Append("| **").Append(s.Suite).Append("** | ").Append(CostCells(top))
              .Append(s.Crypto is { } c ? $"{Fmt.Rate(c.WireBytesPerReading)} ({Fmt.Int(c.PlaintextBytes)} plaintext) | {Fmt.Int(c.AnnouncementBytes)} | {Fmt.Us(c.SealPlusOpenP50Us)} | {Fmt.Us(c.AckSignP50Us + c.AckVerifyP50Us)} | " : "— | — | — | — | ")
              .Append(s.CryptoSharePercent is { } share ? Fmt.Pct(share) + " %" : "—").Append(" | ")
              .Append(best is null ? (s.Sustain.Count == 0 && s.Throughput is null ? "not measured" : "none passed") : Fmt.Rate(best.TargetRatePerSecond)).Append(" | ")
              .Append(best is null ? "—" : Fmt.Rate(best.AchievedPerSecond)).Append(" | ")
              .Append(best?.ReadingsPerCpuSecond is { } rpc ? Fmt.Rate(rpc) : "—").Append(" |\n");
        }

        foreach (var s in ran.Take(1))
        {
            var top = SuiteAnalysis.HighestRatePoint(s.Latency, "insecure");
            sb.Append("| insecure (").Append(s.Suite).Append(" run) | ").Append(CostCells(top))
              .Append(Fmt.Int(CryptoBench.Reading.Length)).Append(" (the plaintext reading) | 0 | 0 | 0 | 0 % | not measured | — | — |\n");
        }

        sb.Append("\nCPU per reading: the processes' CPU time during the highest rate's run ÷ its readings. Wire bytes: the mean length of real readings ")
          .Append("sealed in-process by the suite's own sender (the MQTT payload the broker carries; the insecure row is the sensor's plaintext reading size); ")
          .Append("an announcement is sent once per session key. Crypto share = in-process seal p50 + open p50 + the acknowledgement's sign p50 + verify p50 ÷ pipeline µs per reading: ")
          .Append("one acknowledgement per reading, as with one publish in flight (under load one covers up to 32 readings of a device), so an upper bound. ")
          .Append("Readings per CPU-s = readings ÷ CPU-seconds of sensor + broker + actuator (comparable across machines, unlike readings/s).\n\n");

        sb.Append(FloorSection(ran, cores));
        var sustains = ran.Where(s => s.Sustain.Count > 0).ToList();
        if (sustains.Count > 0)
        {
            sb.Append("### Sustain attempts\n\n| Suite | Search's highest /s | Rate /s | Seconds | Readings | Lost | Rejected | p50 ms | p99 ms | Achieved /s | Readings per CPU-s | Verdict |\n")
              .Append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            foreach (var s in sustains)
            {
                foreach (var a in s.Sustain)
                {
                    sb.Append("| ").Append(s.Suite).Append(" | ").Append(s.Throughput is { } t ? Fmt.Rate(t.HighestPassingRatePerSecond) : "—").Append(" | ")
                      .Append(Fmt.Rate(a.TargetRatePerSecond)).Append(" | ").Append(Fmt.Rate(a.Seconds)).Append(" | ").Append(Fmt.Int(a.Readings)).Append(" | ")
                      .Append(Fmt.Int(a.Lost)).Append(" | ").Append(Fmt.Int(a.RejectedLegit)).Append(" | ").Append(Fmt.Ms(a.P50Ms)).Append(" | ")
                      .Append(Fmt.Ms(a.P99Ms)).Append(" | ").Append(Fmt.Rate(a.AchievedPerSecond)).Append(" | ")
                      .Append(a.ReadingsPerCpuSecond is { } r ? Fmt.Rate(r) : "—").Append(" | ").Append(a.Verdict).Append(" |\n");
                }
            }

            sb.Append('\n');
        }

        sb.Append("### Security properties and attacks stopped\n\n").Append(PropertiesTable(ran)).Append('\n');
        foreach (var s in ran.Where(s => !s.Campaign.Ran))
        {
            sb.Append("- ").Append(s.Suite).Append(": campaign not run: ").Append(s.Campaign.Reason).Append('\n');
        }

        return sb.Append('\n').ToString();
    }

    /// <summary>
    /// What the machine allows each suite: the raw hop at saturation and the suite's seal + open give a CPU floor per reading and a
    /// ceiling of readings/s; the pipeline's measured cost, rate and p50 beside them say how far above the physics it runs.
    /// </summary>
    public static string FloorSection(IReadOnlyList<SuiteResult> ran, int cores)
    {
        ArgumentNullException.ThrowIfNull(ran);
        var measured = ran.Where(s => s.HopCapacity is not null).ToList();
        if (measured.Count == 0)
        {
            return string.Empty;
        }

        var sb = new StringBuilder("### The physics floor: what this machine allows each suite\n\n")
            .Append("| Suite | raw hop at saturation /s | raw hop CPU µs/message | seal + open µs (p50) | floor µs/reading | ceiling /s | pipeline µs/reading | ")
            .Append("pipeline ÷ floor | highest sustained /s | sustained ÷ ceiling | secure p50 ÷ p50 floor, per rate |\n")
            .Append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var s in measured)
        {
            var hop = s.HopCapacity!;
            var floor = SuiteAnalysis.FloorCpuUsPerReading(s);
            var ceiling = SuiteAnalysis.Ceiling(s, cores);
            var top = SuiteAnalysis.HighestRatePoint(s.Latency, "secure");
            var sustained = s.HighestSustained;
            var latency = string.Join(", ", s.Latency.Where(p => p.Pipeline == "secure" && p.Applied > 0).OrderBy(p => p.RatePerSecond)
                .Select(p => SuiteAnalysis.LatencyFloorMs(s, p) is { } f
                    ? $"{Fmt.Rate(p.RatePerSecond)}/s {Fmt.Ms(p.P50Ms)} ÷ {Fmt.Ms(f)} ms = {SuiteAnalysis.Ratio(p.P50Ms / f)} ×"
                    : $"{Fmt.Rate(p.RatePerSecond)}/s —"));
            sb.Append("| ").Append(s.Suite).Append(" | ").Append(Fmt.Rate(hop.MessagesPerSecond)).Append(" | ").Append(Fmt.Us(hop.CpuUsPerMessage))
              .Append(hop.BrokerCpuUsPerMessage is null ? " (broker not measured)" : string.Empty).Append(" | ")
              .Append(s.Crypto is { } c ? Fmt.Us(c.SealPlusOpenP50Us) : "—").Append(" | ")
              .Append(floor is { } fl ? Fmt.Us(fl) : "—").Append(" | ").Append(ceiling is { } ce ? Fmt.Rate(ce) : "—").Append(" | ")
              .Append(top is null ? "—" : Fmt.Us(top.PipelineCpuUsPerReading)).Append(" | ")
              .Append(top is not null && floor is > 0 ? SuiteAnalysis.Ratio(top.PipelineCpuUsPerReading / floor.Value) + " ×" : "—").Append(" | ")
              .Append(sustained is null ? "—" : Fmt.Rate(sustained.TargetRatePerSecond)).Append(" | ")
              .Append(sustained is not null && ceiling is > 0 ? SuiteAnalysis.Ratio(sustained.TargetRatePerSecond / ceiling.Value) : "—").Append(" | ")
              .Append(latency.Length == 0 ? "—" : latency).Append(" |\n");
        }

        return sb.Append("\nRaw hop at saturation: ").Append(Fmt.Int(SmartHome.Report.Modes.SuitesMode.HopCapacityMessages))
            .Append(" messages of ").Append(Fmt.Int(BrokerHop.PayloadBytes)).Append(" bytes, QoS 1, plaintext, through the suite's app's insecure broker while ")
            .Append("no pipeline carried traffic; CPU = the report process (publisher and subscriber) + the broker, per message. Floor = that + the suite's ")
            .Append("seal p50 + open p50; ceiling = ").Append(cores).Append(" cores × 10⁶ ÷ floor: the most readings/s a pipeline of this suite could ")
            .Append("carry here if it did nothing else (no acknowledgement, TLS, JSON, outbox, decision log or spans), so an upper bound. ")
            .Append("Pipeline µs/reading at the highest latency rate (one publish in flight, idle work included). p50 floor = the raw hop's p50 ")
            .Append("beside it + seal p50 + open p50.\n\n").ToString();
    }

    private static string CostCells(SuiteLatencyPoint? p) => p is null
        ? "— | — | — | — | — | — | "
        : $"{Fmt.Rate(p.RatePerSecond)} | {Fmt.Us(p.SensorCpuUsPerReading)} | {(p.BrokerCpuUsPerReading is { } b ? Fmt.Us(b) : "not measured")} | " +
          $"{Fmt.Us(p.ActuatorCpuUsPerReading)} | {Fmt.Us(p.PipelineCpuUsPerReading)} | {(p.ReadingsPerCpuSecond is { } r ? Fmt.Rate(r) : "—")} | ";

    /// <summary>Rows: properties, then attacks; columns: insecure and each suite; the last column says design fact or measured.</summary>
    public static string PropertiesTable(IReadOnlyList<SuiteResult> ran)
    {
        ArgumentNullException.ThrowIfNull(ran);
        var insecure = SuiteAnalysis.Properties("insecure", []);
        var rows = ran.SelectMany(s => s.Properties).Select(p => (p.Property, p.Source)).Concat(insecure.Select(p => (p.Property, p.Source)))
            .Distinct().ToList();
        var sb = new StringBuilder("| Property | insecure | ").Append(string.Join(" | ", ran.Select(s => s.Suite))).Append(" | Source |\n|---|---|")
            .Append(string.Concat(ran.Select(_ => "---|"))).Append("---|\n");
        foreach (var (property, source) in rows)
        {
            string Cell(IEnumerable<SuiteProperty> ps) => ps.FirstOrDefault(p => p.Property == property)?.Value ?? "not measured";
            sb.Append("| ").Append(property).Append(" | ").Append(source == SuiteAnalysis.Design ? Cell(insecure) : "not measured (campaign runs on the secure pipeline)")
              .Append(" | ").Append(string.Join(" | ", ran.Select(s => Cell(s.Properties)))).Append(" | ").Append(source).Append(" |\n");
        }

        return sb.ToString();
    }
}
