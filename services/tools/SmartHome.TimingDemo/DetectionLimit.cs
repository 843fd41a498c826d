using System.Globalization;
using System.Text;
using ScottPlot;

namespace SmartHome.TimingDemo;

/// <summary>One point of the detection-limit sweep: one technique against one amplification, run or skipped (and why).</summary>
public sealed record LimitPoint(AttackTechnique Technique, int Iterations, double NsPerByte, AttackRun? Run, string? NotRun)
{
    public bool Recovered => Run is { Result.Complete: true, MatchesSecret: not false };
}

/// <summary>
/// The detection-limit sweep's table, CSV and plot: for each technique, which per-byte differences it recovered in full
/// within its time slice, with how many queries, and the smallest such difference.
/// </summary>
public static class DetectionLimit
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Label(this AttackTechnique technique) => technique switch
    {
        AttackTechnique.ResponseTime => "response time",
        AttackTechnique.ResponseOrder => "response order (timeless)",
        _ => technique.ToString(),
    };

    /// <summary>Smallest per-byte difference (ns) the technique recovered all bytes of; null when none.</summary>
    public static double? SmallestRecovered(IEnumerable<LimitPoint> points, AttackTechnique technique) =>
        points.Where(p => p.Technique == technique && p.Recovered).Select(p => (double?)p.NsPerByte).Min();

    public static string Markdown(IReadOnlyList<LimitPoint> points, TimeSpan slice)
    {
        ArgumentNullException.ThrowIfNull(points);
        var sb = new StringBuilder();
        sb.AppendLine("## Detection limit over loopback TCP");
        sb.AppendLine();
        sb.AppendLine(Inv, $"Each technique against the early-exit verifier at decreasing amplification, each run given at most {slice.TotalSeconds:F0} s (less when the demo's budget had less left). A level is skipped once a larger difference already failed for that technique.");
        sb.AppendLine();
        foreach (var technique in new[] { AttackTechnique.ResponseTime, AttackTechnique.ResponseOrder })
        {
            var smallest = SmallestRecovered(points, technique);
            sb.AppendLine(Inv, $"- {technique.Label()}: smallest per-byte difference recovered in full: {(smallest is { } ns ? $"**{Report.F(ns)} ns**" : "none")}");
        }

        sb.AppendLine();
        sb.AppendLine("| technique | iterations/byte | ns per correct byte | outcome | bytes recovered | queries | time s |");
        sb.AppendLine("|---|---:|---:|---|---:|---:|---:|");
        foreach (var p in points)
        {
            var r = p.Run?.Result;
            sb.AppendLine(Inv, $"| {p.Technique.Label()} | {p.Iterations} | {Report.F(p.NsPerByte)} | {(p.Run is null ? $"not run: {p.NotRun}" : p.Run.Verdict)} | {(r is null ? "-" : r.Recovered.Length.ToString(Inv))} | {(r is null ? "-" : r.TotalQueries.ToString(Inv))} | {(r is null ? "-" : Report.F(r.Elapsed.TotalSeconds))} |");
        }

        sb.AppendLine();
        sb.AppendLine("Plot: `timing-limit.png`; raw numbers: `timing-limit.csv`.");
        return sb.ToString();
    }

    public static string Csv(IReadOnlyList<LimitPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var sb = new StringBuilder("technique,iterations,ns_per_byte,run,complete,bytes_recovered,correct_bytes,queries,seconds,out_of_time\n");
        foreach (var p in points)
        {
            var r = p.Run?.Result;
            sb.AppendLine(string.Join(',', p.Technique.Label(), p.Iterations.ToString(Inv), Report.F(p.NsPerByte, 2), (p.Run is not null).ToString(Inv),
                (r?.Complete ?? false).ToString(Inv), r?.Recovered.Length.ToString(Inv) ?? "", p.Run?.CorrectBytes.ToString(Inv) ?? "",
                r?.TotalQueries.ToString(Inv) ?? "", r is null ? "" : Report.F(r.Elapsed.TotalSeconds, 2), (r?.OutOfTime ?? false).ToString(Inv)));
        }

        return sb.ToString();
    }

    /// <summary>
    /// Queries used per level (log scale), one line per technique: filled where all bytes came back, hollow where the
    /// run stopped short (its queries are what it spent before stopping).
    /// </summary>
    public static void Plot(IReadOnlyList<LimitPoint> points, string path)
    {
        ArgumentNullException.ThrowIfNull(points);
        var levels = points.Select(p => p.Iterations).Distinct().OrderByDescending(i => i).ToArray();
        var plot = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var colorIndex = 0;
        foreach (var technique in new[] { AttackTechnique.ResponseTime, AttackTechnique.ResponseOrder })
        {
            var color = palette.GetColor(colorIndex++);
            var run = points.Where(p => p.Technique == technique && p.Run is not null).ToList();
            if (run.Count == 0)
            {
                continue;
            }

            double X(LimitPoint p) => Array.IndexOf(levels, p.Iterations);
            double Y(LimitPoint p) => Math.Log10(Math.Max(1, p.Run!.Result.TotalQueries));
            var ok = run.Where(p => p.Recovered).ToList();
            var line = plot.Add.Scatter(run.Select(X).ToArray(), run.Select(Y).ToArray(), color);
            line.LegendText = $"{technique.Label()}: all 16 bytes (filled) / stopped short (hollow)";
            line.LineWidth = 2;
            line.MarkerSize = 0;
            if (ok.Count > 0)
            {
                var filled = plot.Add.Markers(ok.Select(X).ToArray(), ok.Select(Y).ToArray(), MarkerShape.FilledCircle, 11, color);
                filled.LegendText = "";
            }

            var failed = run.Where(p => !p.Recovered).ToList();
            if (failed.Count > 0)
            {
                plot.Add.Markers(failed.Select(X).ToArray(), failed.Select(Y).ToArray(), MarkerShape.OpenCircle, 13, color);
            }
        }

        var labels = levels.Select(i =>
        {
            var ns = points.First(p => p.Iterations == i).NsPerByte;
            return $"{i} it ({Report.F(ns, ns < 100 ? 1 : 0)} ns)";
        }).ToArray();
        plot.Axes.Bottom.SetTicks([.. Enumerable.Range(0, levels.Length).Select(i => (double)i)], labels);
        double[] decades = [3, 4, 5, 6, 7, 8];
        plot.Axes.Left.SetTicks(decades, [.. decades.Select(d => $"1e{d:F0}")]);
        plot.Axes.SetLimitsX(-0.5, levels.Length - 0.5);
        plot.Axes.SetLimitsY(3, 8);
        plot.Title("Detection limit over loopback TCP: queries to recover the 16-byte secret");
        plot.XLabel("amplification: spin iterations per correct byte (ns per correct byte)");
        plot.YLabel("queries (log scale)");
        plot.Legend.IsVisible = true;
        plot.Legend.Alignment = Alignment.UpperLeft;
        plot.SavePng(path, 1200, 700);
    }
}
