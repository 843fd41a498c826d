using System.Text;

namespace SmartHome.Report;

/// <summary>
/// results.csv: one long ("tidy") table <c>section,pipeline,item,level,metric,value</c>, so every number of
/// results.json has exactly one row and outside tools can pivot it as they like.
/// </summary>
public static class CsvWriter
{
    public const string Header = "section,pipeline,item,level,metric,value";

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
            Num("latency", l.Pipeline, "", "", "count", l.Count);
            Num("latency", l.Pipeline, "", "", "decided", l.Decided);
            Num("latency", l.Pipeline, "", "", "applied", l.Applied);
            Num("latency", l.Pipeline, "", "", "rejectedLegit", l.RejectedLegit);
            Num("latency", l.Pipeline, "", "", "lost", l.Lost);
            Num("latency", l.Pipeline, "", "", "p50Ms", l.P50Ms);
            Num("latency", l.Pipeline, "", "", "p95Ms", l.P95Ms);
            Num("latency", l.Pipeline, "", "", "p99Ms", l.P99Ms);
            Num("latency", l.Pipeline, "", "", "p999Ms", l.P999Ms);
            Num("latency", l.Pipeline, "", "", "maxMs", l.MaxMs);
            Num("latency", l.Pipeline, "", "", "meanMs", l.MeanMs);
            Num("latency", l.Pipeline, "", "", "targetRatePerSecond", l.TargetRatePerSecond);
            Num("latency", l.Pipeline, "", "", "throughputPerSecond", l.ThroughputPerSecond);
            Num("latency", l.Pipeline, "", "", "sensorCpuMs", l.SensorCpuMs);
            Num("latency", l.Pipeline, "", "", "actuatorCpuMs", l.ActuatorCpuMs);
            Num("latency", l.Pipeline, "", "", "cpuMsPerMessage", l.CpuMsPerMessage);
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

            Num("flood", flood.Pipeline, "", flood.Level, "qos", flood.Qos);
            Num("flood", flood.Pipeline, "", flood.Level, "targetRatePerSecond", flood.TargetRatePerSecond);
            Num("flood", flood.Pipeline, "", flood.Level, "forgedTargetRatePerSecond", flood.ForgedTargetRatePerSecond);
            Num("flood", flood.Pipeline, "", flood.Level, "seconds", flood.Seconds);
            Num("flood", flood.Pipeline, "", flood.Level, "messagesSent", flood.MessagesSent);
            Num("flood", flood.Pipeline, "", flood.Level, "floodDurationSeconds", flood.FloodDurationSeconds);
            Num("flood", flood.Pipeline, "", flood.Level, "achievedRatePerSecond", flood.AchievedRatePerSecond);
            Num("flood", flood.Pipeline, "", flood.Level, "forgedAchievedRatePerSecond", flood.ForgedAchievedRatePerSecond);
            foreach (var (kind, count) in flood.SentByKind.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                Num("flood", flood.Pipeline, kind, flood.Level, "sent", count);
            }

            Num("flood", flood.Pipeline, "", flood.Level, "publishErrors", flood.PublishErrors);
            Num("flood", flood.Pipeline, "", flood.Level, "maxBacklogMessages", flood.MaxBacklogMessages);
            Num("flood", flood.Pipeline, "", flood.Level, "attackerCpuPercent", flood.AttackerCpuPercent);
            Num("flood", flood.Pipeline, "", flood.Level, "legitSent", flood.LegitSent);
            Num("flood", flood.Pipeline, "", flood.Level, "legitApplied", flood.LegitApplied);
            Num("flood", flood.Pipeline, "", flood.Level, "legitRejected", flood.LegitRejected);
            Num("flood", flood.Pipeline, "", flood.Level, "legitLost", flood.LegitLost);
            Num("flood", flood.Pipeline, "", flood.Level, "legitP50Ms", flood.LegitP50Ms);
            Num("flood", flood.Pipeline, "", flood.Level, "legitP95Ms", flood.LegitP95Ms);
            Num("flood", flood.Pipeline, "", flood.Level, "legitP99Ms", flood.LegitP99Ms);
            Num("flood", flood.Pipeline, "", flood.Level, "legitMaxMs", flood.LegitMaxMs);
            Num("flood", flood.Pipeline, "", flood.Level, "forgedApplied", flood.ForgedApplied);
            Num("flood", flood.Pipeline, "", flood.Level, "decisionsDelta", flood.DecisionsDelta);
            Num("flood", flood.Pipeline, "", flood.Level, "appliedDelta", flood.AppliedDelta);
            Num("flood", flood.Pipeline, "", flood.Level, "rejectedDelta", flood.RejectedDelta);
            foreach (var (reason, count) in flood.RejectedByReasonDelta.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                Num("flood", flood.Pipeline, reason, flood.Level, "rejectedDelta", count);
            }

            Num("flood", flood.Pipeline, "", flood.Level, "actuatorDecisionsPerSecond", flood.ActuatorDecisionsPerSecond);
            Num("flood", flood.Pipeline, "", flood.Level, "actuatorCpuPercent", flood.ActuatorCpuPercent);
            if (flood.BrokerCpuPercent is { } broker)
            {
                Num("flood", flood.Pipeline, "", flood.Level, "brokerCpuPercent", broker);
            }

            Num("flood", flood.Pipeline, "", flood.Level, "actuatorHealthyAfter", flood.ActuatorHealthyAfter ? 1 : 0);
            Num("flood", flood.Pipeline, "", flood.Level, "peakWorkingSetBytes", flood.PeakWorkingSetBytes);
            Num("flood", flood.Pipeline, "", flood.Level, "peakManagedHeapBytes", flood.PeakManagedHeapBytes);
            Num("flood", flood.Pipeline, "", flood.Level, "drainSeconds", flood.DrainSeconds);
            foreach (var s in flood.Samples)
            {
                var item = "t=" + Fmt.Raw(s.Seconds);
                Num("flood-sample", flood.Pipeline, item, "", "workingSetBytes", s.WorkingSetBytes);
                Num("flood-sample", flood.Pipeline, item, "", "peakWorkingSetBytes", s.PeakWorkingSetBytes);
                Num("flood-sample", flood.Pipeline, item, "", "managedHeapBytes", s.ManagedHeapBytes);
                Num("flood-sample", flood.Pipeline, item, "", "cpuMs", s.CpuMs);
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
