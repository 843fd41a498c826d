using ScottPlot;

namespace SmartHome.Report.Chaos;

/// <summary>
/// The chaos timeline: readings each actuator applied per second, one line per pipeline, with every fault marked where
/// it struck (solid: SIGKILL; a shaded span: the SIGSTOP pause) in its pipeline's colour and labelled with the process.
/// </summary>
public static class ChaosPlot
{
    private static readonly Color Insecure = new(214, 39, 40);
    private static readonly Color Secure = new(31, 119, 180);

    private static Color ColorOf(string pipeline) => pipeline == "secure" ? Secure : Insecure;

    public static void Save(ChaosResult chaos, string path)
    {
        ArgumentNullException.ThrowIfNull(chaos);
        var plot = new Plot();
        var yMax = 1.0;
        foreach (var pipeline in FaultPlan.Pipelines)
        {
            // An actuator that does not answer (killed, stopped) applies nothing: its samples are drawn at 0.
            var samples = chaos.Timeline.Where(s => s.Pipeline == pipeline).OrderBy(s => s.Seconds).ToList();
            if (samples.Count == 0)
            {
                continue;
            }

            var line = plot.Add.ScatterLine(samples.Select(s => s.Seconds).ToArray(), samples.Select(s => s.AppliedPerSecond ?? 0).ToArray(),
                ColorOf(pipeline));
            line.LineWidth = 1.5f;
            var verdict = chaos.Pipelines.FirstOrDefault(p => p.Pipeline == pipeline)?.Delivery;
            line.LegendText = verdict is null ? pipeline : $"{pipeline}: {verdict.Sent} sent, {verdict.Lost} lost, {verdict.AppliedTwice} applied twice";
            yMax = Math.Max(yMax, samples.Max(s => s.AppliedPerSecond ?? 0));
        }

        foreach (var fault in chaos.Faults)
        {
            var color = ColorOf(fault.Pipeline);
            if (fault.Kind == "SIGSTOP")
            {
                var span = plot.Add.HorizontalSpan(fault.AtSeconds, fault.AtSeconds + fault.PauseSeconds);
                span.FillStyle.Color = color.WithAlpha(0.18);
                span.LineStyle.Width = 0;
            }
            else
            {
                var mark = plot.Add.VerticalLine(fault.AtSeconds, 1, color.WithAlpha(0.7));
                mark.LinePattern = LinePattern.Solid;
            }

            var label = plot.Add.Text(fault.Role[0].ToString().ToUpperInvariant(), fault.AtSeconds, yMax * (fault.Pipeline == "secure" ? 1.12 : 1.06));
            label.LabelFontColor = color;
            label.LabelFontSize = 11;
            label.LabelBold = true;
        }

        plot.Axes.SetLimitsY(0, yMax * 1.18);
        plot.Title($"Chaos, seed {chaos.Seed}: {chaos.Faults.Count} faults (line: SIGKILL, band: SIGSTOP pause; B/A/S = broker/actuator/sensor)");
        plot.XLabel("Time since the first reading (s)");
        plot.YLabel("Readings applied per second");
        plot.ShowLegend(Alignment.LowerLeft);
        plot.SavePng(path, 1400, 600);
    }
}
