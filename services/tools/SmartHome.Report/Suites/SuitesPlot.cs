using ScottPlot;

namespace SmartHome.Report.Suites;

/// <summary>
/// suites.png: top, p50 bars with a p99 whisker per rate for the insecure baseline and every suite; bottom, each suite's highest
/// sustained rate with its readings per CPU-second.
/// </summary>
public static class SuitesPlot
{
    private static readonly Color[] SuiteColors = [new(31, 119, 180), new(44, 160, 44), new(148, 103, 189)];
    private static readonly Color InsecureColor = new(150, 150, 150);

    public static void Save(IReadOnlyList<SuiteResult> suites, string path)
    {
        ArgumentNullException.ThrowIfNull(suites);
        var ran = suites.Where(s => s.Ran).ToList();
        var rates = ran.SelectMany(s => s.Latency.Select(p => p.RatePerSecond)).Distinct().Order().ToList();
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        Latency(multiplot.GetPlot(0), ran, rates);
        Throughput(multiplot.GetPlot(1), ran);
        multiplot.SavePng(path, 1200, 1000);
    }

    private static void Latency(Plot plot, IReadOnlyList<SuiteResult> ran, IReadOnlyList<double> rates)
    {
        // One group per rate: the insecure baseline (median of its runs beside each suite), then each suite.
        var series = new List<(string Name, Color Color, Func<double, SuiteLatencyPoint?> At)>
        {
            ("insecure (median of its runs)", InsecureColor, rate => MedianInsecure(ran, rate)),
        };
        series.AddRange(ran.Select((s, i) => (s.Suite, SuiteColors[i % SuiteColors.Length],
            (Func<double, SuiteLatencyPoint?>)(rate => s.Latency.FirstOrDefault(p => p.Pipeline == "secure" && p.RatePerSecond == rate && p.Applied > 0)))));
        var width = 0.8 / series.Count;
        var yMax = 0.1;
        var ticks = new List<Tick>();
        for (var g = 0; g < rates.Count; g++)
        {
            ticks.Add(new Tick(g, $"{Fmt.Rate(rates[g])} readings/s"));
            for (var k = 0; k < series.Count; k++)
            {
                if (series[k].At(rates[g]) is not { } p)
                {
                    continue;
                }

                var x = g - 0.4 + width * (k + 0.5);
                var bar = plot.Add.Bar(new Bar { Position = x, Value = p.P50Ms, Size = width * 0.9, FillColor = series[k].Color, Label = Fmt.Ms(p.P50Ms) });
                bar.ValueLabelStyle.FontSize = 10;
                var whisker = plot.Add.Line(x, p.P50Ms, x, p.P99Ms);
                whisker.Color = Colors.Black;
                whisker.LineWidth = 1.5f;
                var cap = plot.Add.Marker(x, p.P99Ms, MarkerShape.HorizontalBar, 10, Colors.Black);
                cap.LegendText = string.Empty;
                yMax = Math.Max(yMax, p.P99Ms);
            }
        }

        for (var k = 0; k < series.Count; k++)
        {
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = series[k].Name, FillColor = series[k].Color });
        }

        plot.Legend.ManualItems.Add(new LegendItem { LabelText = "whisker: p99", LineColor = Colors.Black, LineWidth = 1.5f });
        plot.ShowLegend(Alignment.UpperLeft);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.SetLimits(-0.5, Math.Max(0.5, rates.Count - 0.5), 0, yMax * 1.15);
        plot.Title("Latency sensor → actuator per suite and rate (bar: p50, label in ms; whisker to p99)");
        plot.YLabel("ms");
    }

    private static void Throughput(Plot plot, IReadOnlyList<SuiteResult> ran)
    {
        var ticks = new List<Tick>();
        var max = 1.0;
        for (var i = 0; i < ran.Count; i++)
        {
            var best = ran[i].HighestSustained;
            var value = best?.TargetRatePerSecond ?? 0;
            var label = best is null
                ? ran[i].Sustain.Count == 0 && ran[i].Throughput is null ? "not measured" : "no sustain passed"
                : $"{Fmt.Rate(value)}/s for {Fmt.Rate(best.Seconds)} s, {(best.ReadingsPerCpuSecond is { } r ? Fmt.Rate(r) : "?")} readings per CPU-s";
            plot.Add.Bar(new Bar
            {
                Position = i, Value = value, Size = 0.6, FillColor = SuiteColors[i % SuiteColors.Length], Label = label, Orientation = Orientation.Horizontal,
            }).Horizontal = true;
            ticks.Add(new Tick(i, ran[i].Suite));
            max = Math.Max(max, value);
        }

        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.SetLimits(0, max * 1.6, -0.6, Math.Max(0.4, ran.Count - 0.4));
        plot.Title("Highest rate sustained on the secure pipeline (p99 < 50 ms, 0 loss)");
        plot.XLabel("readings/s");
    }

    private static SuiteLatencyPoint? MedianInsecure(IReadOnlyList<SuiteResult> ran, double rate)
    {
        var points = ran.SelectMany(s => s.Latency.Where(p => p.Pipeline == "insecure" && p.RatePerSecond == rate && p.Applied > 0))
            .OrderBy(p => p.P50Ms).ToList();
        return points.Count == 0 ? null : points[points.Count / 2];
    }
}
