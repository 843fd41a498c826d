using ScottPlot;
using SmartHome.Contracts;
using SmartHome.Report.Flood;

namespace SmartHome.Report;

/// <summary>PNG plots (ScottPlot 5), rendered from the same results object as the tables.</summary>
public static class Plots
{
    private static readonly Color Insecure = new(214, 39, 40);
    private static readonly Color Secure = new(31, 119, 180);

    private static Color ColorOf(string pipeline) => pipeline == "secure" ? Secure : Insecure;

    /// <summary>
    /// Attack outcomes as a grid per pipeline (attack × capability level), each cell coloured by outcome and labelled
    /// with its count and blocking layer; see <see cref="AttackGridModel"/> and <see cref="AttackGridPlot"/>.
    /// </summary>
    public static void AttackOutcomes(IReadOnlyList<AttackResult> attacks, string path) =>
        AttackGridPlot.Save(AttackGridModel.Build(attacks), path);

    /// <summary>Latency CDF of both pipelines from the HdrHistogram percentiles.</summary>
    public static void LatencyCdf(IReadOnlyList<LatencyResult> latency, string path)
    {
        ArgumentNullException.ThrowIfNull(latency);
        var plot = new Plot();
        var xMax = 0.0;
        foreach (var l in latency.Where(l => l.Cdf.Count > 0))
        {
            var points = l.Cdf.Where(p => p.Percentile <= 99.9).ToList();
            var xs = points.Select(p => p.LatencyMs).ToArray();
            var ys = points.Select(p => p.Percentile).ToArray();
            var line = plot.Add.ScatterLine(xs, ys, ColorOf(l.Pipeline));
            line.LineWidth = 2;
            line.LegendText = $"{l.Pipeline}: p50 {Fmt.Ms(l.P50Ms)} ms, p99 {Fmt.Ms(l.P99Ms)} ms, max {Fmt.Ms(l.MaxMs)} ms";
            xMax = Math.Max(xMax, xs.Max());
        }

        plot.Axes.SetLimitsX(0, Math.Max(0.1, xMax * 1.05));
        plot.Axes.SetLimitsY(0, 101);
        var count = latency.Count > 0 ? latency[0].Count : 0;
        plot.Title($"End-to-end latency CDF ({count} readings per pipeline, up to p99.9)");
        plot.XLabel("Latency sensor → actuator (ms)");
        plot.YLabel("Readings at or below (%)");
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 1000, 600);
    }

    /// <summary>Per-operation crypto cost (mean µs) plus the measured secure − insecure p50 difference.</summary>
    public static void CryptoCost(CryptoBreakdown crypto, string path)
    {
        ArgumentNullException.ThrowIfNull(crypto);
        var items = crypto.Operations.Select(o => (Name: o.Operation, Us: o.MeanUs, Color: Secure)).ToList();
        items.Add(("Seal + open per message (sum)", crypto.SealPlusOpenUs, new Color(44, 160, 44)));
        if (crypto.MeasuredSecureMinusInsecureP50Us is { } diff)
        {
            items.Add(("Measured end-to-end: secure p50 − insecure p50", diff, new Color(255, 127, 14)));
        }

        var plot = new Plot();
        var bars = new List<Bar>();
        var ticks = new List<Tick>();
        for (var i = 0; i < items.Count; i++)
        {
            var y = items.Count - 1 - i;
            bars.Add(new Bar
            {
                Position = y,
                Value = Math.Max(0, items[i].Us),
                Size = 0.7,
                FillColor = items[i].Color,
                Label = Fmt.Us(items[i].Us) + " µs",
                Orientation = Orientation.Horizontal,
            });
            ticks.Add(new Tick(y, items[i].Name));
        }

        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.SetLimitsX(0, Math.Max(1, items.Max(i => i.Us)) * 1.25);
        plot.Axes.SetLimitsY(-0.6, items.Count - 0.4);
        plot.Title("Crypto cost per operation (in-process microbenchmark, mean)");
        plot.XLabel("Microseconds per call");
        plot.SavePng(path, 1200, 120 + 45 * items.Count);
    }

    /// <summary>Throughput mode: achieved vs target rate per step, per pipeline, with the pass/fail verdict.</summary>
    public static void Throughput(IReadOnlyList<ThroughputResult> results, string path)
    {
        ArgumentNullException.ThrowIfNull(results);
        var plot = new Plot();
        var max = 1.0;
        foreach (var t in results)
        {
            var steps = t.Steps.OrderBy(s => s.TargetRatePerSecond).ToList();
            var xs = steps.Select(s => s.TargetRatePerSecond).ToArray();
            var ys = steps.Select(s => s.AchievedPerSecond).ToArray();
            var line = plot.Add.Scatter(xs, ys, ColorOf(t.Pipeline));
            line.LegendText = $"{t.Pipeline}: highest passing {Fmt.Rate(t.HighestPassingRatePerSecond)}/s";
            line.MarkerSize = 8;
            foreach (var s in steps.Where(s => !s.Passed))
            {
                var m = plot.Add.Marker(s.TargetRatePerSecond, s.AchievedPerSecond, MarkerShape.Eks, 14, ColorOf(t.Pipeline));
                m.LegendText = string.Empty;
            }

            max = Math.Max(max, Math.Max(xs.DefaultIfEmpty(1).Max(), ys.DefaultIfEmpty(1).Max()));
        }

        var ideal = plot.Add.Line(0, 0, max, max);
        ideal.LinePattern = LinePattern.Dashed;
        ideal.Color = Colors.Gray;
        ideal.LegendText = "achieved = target";
        plot.Axes.SetLimits(0, max * 1.05, 0, max * 1.05);
        plot.Title("Throughput steps (× = step failed: loss ≥ 1 %, p99 ≥ 50 ms or < 90 % of target arrived)");
        plot.XLabel("Target rate (readings/s)");
        plot.YLabel("Rate received by the actuator (readings/s)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1000, 600);
    }

    /// <summary>Flood mode: the actuator's working set and managed heap (GET /process every second) over the flood.</summary>
    public static void FloodMemory(IReadOnlyList<FloodRunResult> floods, string path)
    {
        ArgumentNullException.ThrowIfNull(floods);
        const double mib = 1024 * 1024;
        var plot = new Plot();
        var xMax = 1.0;
        var yMax = FloodAnalysis.GoalPeakBytes / mib;
        foreach (var f in floods.Where(f => f.Samples.Count > 0))
        {
            var xs = f.Samples.Select(s => s.Seconds - f.FloodStartSeconds).ToArray();
            var ws = plot.Add.ScatterLine(xs, f.Samples.Select(s => s.WorkingSetBytes / mib).ToArray(), ColorOf(f.Pipeline));
            ws.LineWidth = 2;
            ws.LegendText = $"{f.Pipeline}: working set (peak {Fmt.Bytes(f.PeakWorkingSetBytes)})";
            var heap = plot.Add.ScatterLine(xs, f.Samples.Select(s => s.ManagedHeapBytes / mib).ToArray(), ColorOf(f.Pipeline));
            heap.LineWidth = 2;
            heap.LinePattern = LinePattern.Dashed;
            heap.LegendText = $"{f.Pipeline}: managed heap (peak {Fmt.Bytes(f.PeakManagedHeapBytes)})";
            var end = plot.Add.VerticalLine(f.FloodEndSeconds - f.FloodStartSeconds, 1, ColorOf(f.Pipeline));
            end.LinePattern = LinePattern.Dotted;
            end.LegendText = $"{f.Pipeline}: flood ends ({Fmt.Rate(f.AchievedRatePerSecond)} messages/s sent)";
            xMax = Math.Max(xMax, xs.Max());
            yMax = Math.Max(yMax, f.Samples.Max(s => s.WorkingSetBytes) / mib);
        }

        var goal = plot.Add.HorizontalLine(FloodAnalysis.GoalPeakBytes / mib, 1, Colors.Gray);
        goal.LinePattern = LinePattern.Dashed;
        goal.LegendText = "goal: peak working set < 150 MB (143 MiB)";
        plot.Axes.SetLimits(Math.Min(0, floods.Where(f => f.Samples.Count > 0).Select(f => f.Samples[0].Seconds - f.FloodStartSeconds).DefaultIfEmpty(0).Min()),
            xMax * 1.02, 0, yMax * 1.1);
        plot.Title("Actuator memory during the flood (GET /process every second)");
        plot.XLabel("Seconds since the flood started");
        plot.YLabel("MiB");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, 1100, 600);
    }
}
