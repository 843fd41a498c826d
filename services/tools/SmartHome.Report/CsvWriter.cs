using System.Text;

namespace SmartHome.Report;

/// <summary>
/// results.csv: one long ("tidy") table <c>section,pipeline,item,level,metric,value</c>, so every number of
/// results.json has exactly one row and outside tools can pivot it as they like.
/// </summary>
public static class CsvWriter
{
    public const string Header = "section,pipeline,item,level,metric,value";

    // One row per (name, field): the names are results.json's property names, so the two cannot drift apart silently.
    private static readonly (string Metric, Func<LatencyResult, double> Value)[] LatencyMetrics =
    [
        ("count", l => l.Count), ("decided", l => l.Decided), ("applied", l => l.Applied), ("rejectedLegit", l => l.RejectedLegit),
        ("lost", l => l.Lost), ("p50Ms", l => l.P50Ms), ("p95Ms", l => l.P95Ms), ("p99Ms", l => l.P99Ms), ("p999Ms", l => l.P999Ms),
        ("maxMs", l => l.MaxMs), ("meanMs", l => l.MeanMs), ("targetRatePerSecond", l => l.TargetRatePerSecond),
        ("throughputPerSecond", l => l.ThroughputPerSecond), ("sensorCpuMs", l => l.SensorCpuMs), ("actuatorCpuMs", l => l.ActuatorCpuMs),
        ("cpuMsPerMessage", l => l.CpuMsPerMessage),
    ];

    // Null: not measured in this run (no row).
    private static readonly (string Metric, Func<FloodRunResult, double?> Value)[] FloodMetrics =
    [
        ("qos", f => f.Qos), ("targetRatePerSecond", f => f.TargetRatePerSecond), ("forgedTargetRatePerSecond", f => f.ForgedTargetRatePerSecond),
        ("seconds", f => f.Seconds), ("messagesSent", f => f.MessagesSent), ("floodDurationSeconds", f => f.FloodDurationSeconds),
        ("achievedRatePerSecond", f => f.AchievedRatePerSecond), ("forgedAchievedRatePerSecond", f => f.ForgedAchievedRatePerSecond),
        ("publishErrors", f => f.PublishErrors), ("maxBacklogMessages", f => f.MaxBacklogMessages), ("attackerCpuPercent", f => f.AttackerCpuPercent),
        ("legitSent", f => f.LegitSent), ("legitApplied", f => f.LegitApplied), ("legitRejected", f => f.LegitRejected), ("legitLost", f => f.LegitLost),
        ("legitP50Ms", f => f.LegitP50Ms), ("legitP95Ms", f => f.LegitP95Ms), ("legitP99Ms", f => f.LegitP99Ms), ("legitMaxMs", f => f.LegitMaxMs),
        ("forgedApplied", f => f.ForgedApplied), ("decisionsDelta", f => f.DecisionsDelta), ("appliedDelta", f => f.AppliedDelta),
        ("rejectedDelta", f => f.RejectedDelta), ("actuatorDecisionsPerSecond", f => f.ActuatorDecisionsPerSecond),
        ("actuatorCpuPercent", f => f.ActuatorCpuPercent), ("brokerCpuPercent", f => f.BrokerCpuPercent),
        ("actuatorHealthyAfter", f => f.ActuatorHealthyAfter ? 1 : 0), ("peakWorkingSetBytes", f => f.PeakWorkingSetBytes),
        ("peakManagedHeapBytes", f => f.PeakManagedHeapBytes), ("drainSeconds", f => f.DrainSeconds),
    ];

    public static string Render(ReportResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var sb = new StringBuilder();
        sb.Append(Header).Append('\n');
        void Row(string section, string pipeline, string item, string level, string metric, string value) =>
            sb.Append(Escape(section)).Append(',').Append(Escape(pipeline)).Append(',').Append(Escape(item)).Append(',')
              .Append(Escape(level)).Append(',').Append(Escape(metric)).Append(',').Append(Escape(value)).Append('\n');
        void Num(string section, string pipeline, string item, string level, string metric, double value) =>
            Row(section, pipeline, item, level, metric, Fmt.Raw(value));

        foreach (var a in results.Attacks)
        {
            Num("attack", a.Pipeline, a.Attack, a.Level, "attempts", a.Attempts);
            Num("attack", a.Pipeline, a.Attack, a.Level, "succeeded", a.Succeeded);
            Num("attack", a.Pipeline, a.Attack, a.Level, "unjudged", a.Unjudged);
            foreach (var (layer, count) in a.BlockedBy.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                Num("attack", a.Pipeline, a.Attack, a.Level, "blockedBy." + layer, count);
            }
        }

        foreach (var l in results.Latency)
        {
            foreach (var (metric, value) in LatencyMetrics)
            {
                Num("latency", l.Pipeline, "", "", metric, value(l));
            }
        }

        if (results.Crypto is { } crypto)
        {
            foreach (var op in crypto.Operations)
            {
                Num("crypto", "", op.Operation, "", "meanUs", op.MeanUs);
                Num("crypto", "", op.Operation, "", "p50Us", op.P50Us);
                Num("crypto", "", op.Operation, "", "p99Us", op.P99Us);
            }

            Num("crypto", "", "seal+open", "", "meanUs", crypto.SealPlusOpenUs);
            Num("crypto", "", "seal+open", "", "p50Us", crypto.SealPlusOpenP50Us);
            if (crypto.MeasuredSecureMinusInsecureP50Us is { } diff)
            {
                Num("crypto", "", "secure-minus-insecure-p50", "", "us", diff);
            }
        }

        foreach (var t in results.Throughput)
        {
            Num("throughput", t.Pipeline, "", "", "highestPassingRatePerSecond", t.HighestPassingRatePerSecond);
            foreach (var s in t.Steps)
            {
                var item = "step@" + Fmt.Rate(s.TargetRatePerSecond);
                Num("throughput", s.Pipeline, item, "", "achievedPerSecond", s.AchievedPerSecond);
                Num("throughput", s.Pipeline, item, "", "lossPercent", s.LossPercent);
                Num("throughput", s.Pipeline, item, "", "p99Ms", s.P99Ms);
                Num("throughput", s.Pipeline, item, "", "passed", s.Passed ? 1 : 0);
            }
        }

        Suites.SuitesCsv.Append(results.Suites, Num);

        if (results.Fleet is { } f)
        {
            Num("fleet", "secure", "", "", "devices", f.Devices);
            Num("fleet", "secure", "", "", "verifyPerSecondSingleThread", f.VerifyPerSecondSingleThread);
            Num("fleet", "secure", "", "", "verifyPerSecondParallel", f.VerifyPerSecondParallel);
            Num("fleet", "secure", "", "", "announcementsPerSecond", f.AnnouncementsPerSecond);
            Num("fleet", "secure", "", "", "replayStateManagedBytes", f.ReplayStateManagedBytes);
            Num("fleet", "secure", "", "", "replayStateBytesPerSender", f.ReplayStateBytesPerSender);
            Num("fleet", "secure", "", "", "replayFileBytes", f.ReplayFileBytes);
        }

        foreach (var flood in results.Flood)
        {
            Num("flood", flood.Pipeline, "", flood.Level, "ran", flood.Ran ? 1 : 0);
            if (!flood.Ran)
            {
                continue;
            }

            foreach (var (metric, value) in FloodMetrics)
            {
                if (value(flood) is { } number)
                {
                    Num("flood", flood.Pipeline, "", flood.Level, metric, number);
                }
            }

            foreach (var (kind, count) in flood.SentByKind.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                Num("flood", flood.Pipeline, kind, flood.Level, "sent", count);
            }

            foreach (var (reason, count) in flood.RejectedByReasonDelta.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                Num("flood", flood.Pipeline, reason, flood.Level, "rejectedDelta", count);
            }

            foreach (var s in flood.Samples)
            {
                var item = "t=" + Fmt.Raw(s.Seconds);
                Num("flood-sample", flood.Pipeline, item, "", "workingSetBytes", s.WorkingSetBytes);
                Num("flood-sample", flood.Pipeline, item, "", "peakWorkingSetBytes", s.PeakWorkingSetBytes);
                Num("flood-sample", flood.Pipeline, item, "", "managedHeapBytes", s.ManagedHeapBytes);
                Num("flood-sample", flood.Pipeline, item, "", "cpuMs", s.CpuMs);
            }
        }

        if (results.Chaos is { } chaos)
        {
            foreach (var p in chaos.Pipelines)
            {
                var d = p.Delivery;
                foreach (var (metric, value) in new (string, double)[]
                         {
                             ("sent", d.Sent), ("appliedOnce", d.AppliedOnce), ("lost", d.Lost), ("appliedTwice", d.AppliedTwice),
                             ("droppedByPolicy", d.DroppedByPolicy), ("rejectedForGood", d.RejectedForGood), ("faults", p.Faults),
                         })
                {
                    Num("chaos", p.Pipeline, "", "", metric, value);
                }

                if (p.LongestRecoverySeconds is { } longest)
                {
                    Num("chaos", p.Pipeline, "", "", "longestRecoverySeconds", longest);
                }
            }

            foreach (var fault in chaos.Faults)
            {
                var item = $"#{fault.Index} {fault.Kind} {fault.Role}";
                Num("chaos-fault", fault.Pipeline, item, "", "atSeconds", fault.AtSeconds);
                if (fault.RecoverySeconds is { } recovery)
                {
                    Num("chaos-fault", fault.Pipeline, item, "", "recoverySeconds", recovery);
                }
            }

            foreach (var s in chaos.Timeline)
            {
                var item = "t=" + Fmt.Raw(s.Seconds);
                Num("chaos-sample", s.Pipeline, item, "", "takenPerSecond", s.TakenPerSecond);
                if (s.AppliedPerSecond is { } applied)
                {
                    Num("chaos-sample", s.Pipeline, item, "", "appliedPerSecond", applied);
                }

                if (s.OutboxPending is { } pending)
                {
                    Num("chaos-sample", s.Pipeline, item, "", "outboxPending", pending);
                }
            }
        }

        foreach (var g in results.Goals)
        {
            Row("goal", "", g.Goal, "", "met", g.Met switch { true => "yes", false => "no", null => "not measured" });
        }

        return sb.ToString();
    }

    /// <summary>RFC 4180 quoting when a field holds a comma, quote or line break.</summary>
    public static string Escape(string field)
    {
        ArgumentNullException.ThrowIfNull(field);
        return field.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : field;
    }

    /// <summary>Parses what <see cref="Render"/> wrote (for tests and tools): rows of fields.</summary>
    public static List<string[]> Parse(string csv)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var rows = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < csv.Length; i++)
        {
            var c = csv[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < csv.Length && csv[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                rows.Add([.. fields]);
                fields.Clear();
            }
            else if (c != '\r')
            {
                field.Append(c);
            }
        }

        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            rows.Add([.. fields]);
        }

        return rows;
    }
}
