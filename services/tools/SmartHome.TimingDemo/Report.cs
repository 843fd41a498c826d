using System.Globalization;
using System.Text;
using ScottPlot;

namespace SmartHome.TimingDemo;

/// <summary>How the attacker reads the leak.</summary>
public enum AttackTechnique
{
    /// <summary>Times each query's round trip (box test on the fast end of the distribution).</summary>
    ResponseTime,

    /// <summary>Sends two queries together and reads only which answer came back last ("timeless").</summary>
    ResponseOrder,
}

/// <summary>One attack run plus what the demo knows for grading (the attacker never sees <see cref="Secret"/>).</summary>
public sealed record AttackRun(string Name, string Oracle, RecoveryOptions Options, RecoveryResult Result, byte[]? Secret)
{
    public AttackTechnique Technique { get; init; } = AttackTechnique.ResponseTime;

    /// <summary>Recovered bytes that equal the secret's (-1 when the secret is unknown).</summary>
    public int CorrectBytes => Secret is null ? -1
        : Result.Recovered.Where((b, i) => i < Secret.Length && Secret[i] == b).Count();

    public bool? MatchesSecret => Secret is null ? null : Result.Complete && Result.Recovered.AsSpan().SequenceEqual(Secret);

    public string Verdict
    {
        get
        {
            var r = Result;
            if (r.Complete)
            {
                var m = MatchesSecret switch { true => "matches the secret", false => "does NOT match the secret", null => "secret unknown" };
                return $"recovered all {r.Recovered.Length} bytes ({m}; oracle {(r.AcceptedByOracle ? "accepted" : "rejected")} the token)";
            }

            var stop = r.Recovered.Length;
            if (stop == 0)
            {
                return r.OutOfTime
                    ? "time budget used up at byte 0 with no significant leak (nothing claimed)"
                    : "no significant leak at byte 0: attack failed (nothing claimed)";
            }

            var graded = Secret is null ? "" : $" ({CorrectBytes} correct)";
            var bytes = stop == 1 ? "byte" : "bytes";
            return r.OutOfTime
                ? $"recovered {stop} {bytes}{graded}, then the time budget ran out at byte {stop}"
                : $"recovered {stop} {bytes}{graded}, then no significant leak at byte {stop}";
        }
    }
}

public sealed record DemoSettings(
    int Seed,
    int AmplifyIterations,
    double NsPerIteration,
    int SweepSamples,
    int Repetitions,
    RecoveryOptions Attack,
    string SecretHex)
{
    /// <summary>The fraction of samples the network response-time attacks keep (<see cref="RecoveryOptions.Keep"/>).</summary>
    public double NetworkKeep { get; init; } = 1.0;
}

public static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string F(double v, int decimals = 1) => double.IsNaN(v) ? "-" : v.ToString("F" + decimals, Inv);

    public static string P(double p) => double.IsNaN(p) ? "-" : p < 1e-300 ? "<1e-300" : p.ToString(p < 0.001 ? "0.0E+0" : "0.####", Inv);

    public static string SweepTable(IReadOnlyList<SweepSeries> series)
    {
        var sb = new StringBuilder();
        sb.Append("| correct prefix bytes |");
        foreach (var s in series)
        {
            sb.Append(CultureInfo.InvariantCulture, $" {s.Name} median ns (IQR) |");
        }

        sb.AppendLine();
        sb.Append("|---:|");
        foreach (var _ in series)
        {
            sb.Append("---:|");
        }

        sb.AppendLine();
        var rows = series[0].Points.Count;
        for (var k = 0; k < rows; k++)
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {k} |");
            foreach (var s in series)
            {
                var p = s.Points[k];
                sb.Append(CultureInfo.InvariantCulture, $" {F(p.MedianNs)} ({F(p.Q1Ns)}-{F(p.Q3Ns)}) |");
            }

            sb.AppendLine();
        }

        return sb.ToString();
    }

    public static string SweepSignificance(IReadOnlyList<SweepSeries> series, double alpha)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| series | samples/point | mean ns p0 -> p16 | median ns p0 -> p16 | median diff ns | slope ns/byte (OLS of medians) | Mann-Whitney p (p16 vs p0, two-sided) | significant at " + F(alpha, 3) + " |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---|");
        foreach (var s in series)
        {
            var a = s.Points[0];
            var b = s.Points[^1];
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {s.Name} | {a.Samples} | {F(a.MeanNs)} -> {F(b.MeanNs)} | {F(a.MedianNs)} -> {F(b.MedianNs)} | {F(s.MedianDifferenceNs)} | {F(s.SlopeNsPerByte, 2)} | {P(s.FirstVsLast.PValue)} | {(s.FirstVsLast.PValue < alpha ? "yes" : "no")} |");
        }

        return sb.ToString();
    }

    public static string AttackTable(AttackRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var sb = new StringBuilder();
        sb.AppendLine(run.Technique == AttackTechnique.ResponseOrder
            ? "| byte | guess | correct | significant | races/candidate | queries | best: share answered last | runner-up share | rest share | discovery p | threshold | confirm p | time s |"
            : "| byte | guess | correct | significant | samples/candidate | queries | best ns | runner-up ns | rest ns | discovery p | threshold | confirm p | time s |");
        sb.AppendLine("|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var b in run.Result.Bytes)
        {
            var correct = run.Secret is null ? "?" : run.Secret[b.Position] == b.Value ? "yes" : "no";
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {b.Position} | 0x{b.Value:x2} | {correct} | {(b.Significant ? "yes" : b.OutOfTime ? "NO (time budget)" : "NO")} | {b.SamplesPerCandidate} | {b.Queries} | {F(b.BestEstimateNs, run.Technique == AttackTechnique.ResponseOrder ? 3 : 1)} | {F(b.RunnerUpEstimateNs, run.Technique == AttackTechnique.ResponseOrder ? 3 : 1)} | {F(b.RestEstimateNs, run.Technique == AttackTechnique.ResponseOrder ? 3 : 1)} | {P(b.DiscoveryPValue)} | {P(b.DiscoveryThreshold)} | {P(b.ConfirmPValue)} | {F(b.Elapsed.TotalSeconds, 2)} |");
        }

        return sb.ToString();
    }

    public static string AttackSummaryLine(AttackRun run)
    {
        var r = run.Result;
        var samples = r.Bytes.Where(b => b.Significant).Select(b => b.SamplesPerCandidate).ToArray();
        var samplesText = samples.Length == 0 ? "-" : $"{samples.Min()}/{Stats.Median(samples.Select(x => (double)x).ToArray()):F0}/{samples.Max()}";
        return $"| {run.Name} | {run.Oracle} | {run.Verdict} | {(r.Recovered.Length == 0 ? "-" : Convert.ToHexStringLower(r.Recovered))} | {samplesText} | {r.TotalQueries} | {F(r.Elapsed.TotalSeconds, 1)} |";
    }

    /// <param name="headline">Plain-words lines that open the summary (what was recovered, over which channel, what it means).</param>
    /// <param name="limitSection">The detection-limit table, when the demo measured it.</param>
    public static string Markdown(DemoSettings settings, IReadOnlyList<SweepSeries> sweep, IReadOnlyList<AttackRun> attacks,
        IReadOnlyList<string>? headline = null, string? limitSection = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(sweep);
        ArgumentNullException.ThrowIfNull(attacks);
        var sb = new StringBuilder();
        var a = settings.Attack;
        sb.AppendLine("# Timing attack demo: early-exit vs constant-time token comparison");
        sb.AppendLine();
        foreach (var line in headline ?? [])
        {
            sb.AppendLine(line);
            sb.AppendLine();
        }

        sb.AppendLine(CultureInfo.InvariantCulture, $"- date (UTC): {DateTime.UtcNow:yyyy-MM-dd HH:mm}; machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- secret (16 bytes, from seed {settings.Seed}; used only for the sweep and for grading): `{settings.SecretHex}`");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- **amplification**: the vulnerable verifier spins {settings.AmplifyIterations} iterations after each matching byte = about {F(settings.AmplifyIterations * settings.NsPerIteration)} ns per correct byte (calibrated {F(settings.NsPerIteration, 3)} ns/iteration). Unamplified (0 iterations) measurements are shown too.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- response-time attack: 256 candidates sampled round-robin (shuffled each round), looks at {string.Join(", ", a.Schedule())} samples/candidate; all samples ranked together ({(settings.NetworkKeep >= 1 ? "all kept" : $"in-process all kept; over TCP only the fastest {F(settings.NetworkKeep * 100, 0)} % of them, the rest censored as one tie")}); one-sided Mann-Whitney U of the slowest candidate vs the other 255 pooled at alpha = {F(a.Alpha, 3)} Bonferroni-corrected for 256 candidates x {a.Schedule().Count} looks; then confirmed on fresh samples (best vs runner-up, one-sided Mann-Whitney, p < {F(a.Alpha, 3)}); the table's estimates are the {a.Estimator} per candidate.");
        sb.AppendLine(CultureInfo.InvariantCulture, $"- response-order (timeless) attack: per round the 256 candidates are shuffled into 128 pairs, each pair sent in one TCP segment in a random order to a server that checks both at once and answers each as soon as it is decided; a candidate scores when its answer comes back last; the top scorer is tested with an exact sign test (binomial, 1/2) at the same corrected alpha, then confirmed in fresh races against the runner-up (sign test, p < {F(a.Alpha, 3)}).");
        sb.AppendLine();
        sb.AppendLine("## Attacks");
        sb.AppendLine();
        sb.AppendLine("| attack | oracle | verdict | recovered (hex) | samples/candidate min/median/max (decided bytes) | queries | time s |");
        sb.AppendLine("|---|---|---|---|---|---:|---:|");
        foreach (var run in attacks)
        {
            sb.AppendLine(AttackSummaryLine(run));
        }

        foreach (var run in attacks)
        {
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture, $"### {run.Name}");
            sb.AppendLine();
            sb.AppendLine(AttackTable(run));
        }

        if (limitSection is not null)
        {
            sb.AppendLine(limitSection);
        }

        if (sweep.Count > 0)
        {
            sb.AppendLine("## Time vs correct prefix length");
            sb.AppendLine();
            sb.AppendLine(CultureInfo.InvariantCulture, $"Per-call time, {sweep[0].Points[0].Samples} samples per point, all 17 prefixes interleaved; \"x{settings.Repetitions}\" series time {settings.Repetitions} back-to-back calls per sample and divide (averages timer jitter, same leak per byte).");
            sb.AppendLine();
            sb.AppendLine(SweepSignificance(sweep, 0.01));
            sb.AppendLine(SweepTable(sweep));
            sb.AppendLine("Plot: `timing-prefix.png`; raw numbers: `timing-sweep.csv`, `timing-attack.csv`.");
        }

        return sb.ToString();
    }

    public static string SweepCsv(IReadOnlyList<SweepSeries> sweep)
    {
        var sb = new StringBuilder("series,verifier,amplify_iterations,repetitions,correct_prefix,samples,mean_ns,median_ns,trimmed_mean_ns,q1_ns,q3_ns\n");
        foreach (var s in sweep)
        {
            foreach (var p in s.Points)
            {
                sb.AppendLine(string.Join(',', $"\"{s.Name}\"", s.Kind.Label(), s.AmplifyIterations.ToString(Inv), s.Repetitions.ToString(Inv),
                    p.Prefix.ToString(Inv), p.Samples.ToString(Inv), F(p.MeanNs, 2), F(p.MedianNs, 2), F(p.TrimmedMeanNs, 2), F(p.Q1Ns, 2), F(p.Q3Ns, 2)));
            }
        }

        return sb.ToString();
    }

    public static string AttackCsv(IReadOnlyList<AttackRun> attacks)
    {
        var sb = new StringBuilder("attack,position,guess,correct,significant,samples_per_candidate,queries,best_ns,runner_up_ns,rest_ns,discovery_p,threshold,confirm_p,seconds\n");
        foreach (var run in attacks)
        {
            foreach (var b in run.Result.Bytes)
            {
                var correct = run.Secret is null ? "" : (run.Secret[b.Position] == b.Value).ToString(Inv);
                sb.AppendLine(string.Join(',', $"\"{run.Name}\"", b.Position.ToString(Inv), b.Value.ToString(Inv), correct, b.Significant.ToString(Inv),
                    b.SamplesPerCandidate.ToString(Inv), b.Queries.ToString(Inv), F(b.BestEstimateNs, 2), F(b.RunnerUpEstimateNs, 2), F(b.RestEstimateNs, 2),
                    b.DiscoveryPValue.ToString("G4", Inv), b.DiscoveryThreshold.ToString("G4", Inv), b.ConfirmPValue.ToString("G4", Inv), F(b.Elapsed.TotalSeconds, 3)));
            }
        }

        return sb.ToString();
    }

    /// <summary>Two panels: amplified (us) and unamplified (ns); medians with interquartile error bars.</summary>
    public static void Plot(IReadOnlyList<SweepSeries> sweep, string path, double amplifiedNsPerByte)
    {
        var amplified = sweep.Where(s => s.AmplifyIterations > 0 || (s.Kind == VerifierKind.ConstantTime && s.Repetitions == 1)).ToList();
        var unamplified = sweep.Where(s => s.AmplifyIterations == 0).ToList();

        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        var left = multiplot.GetPlot(0);
        var right = multiplot.GetPlot(1);
        AddSeries(left, amplified, 1000.0);
        left.Title($"Amplified leak (~{F(amplifiedNsPerByte)} ns spin per correct byte)");
        left.YLabel("median time per verification (us), IQR bars");
        AddSeries(right, unamplified, 1.0);
        right.Title("Unamplified (real code, no spin): 1 call vs 32 calls per sample");
        right.YLabel("median time per verification (ns), IQR bars");
        foreach (var p in new[] { left, right })
        {
            p.XLabel("number of correct leading bytes in the presented token");
            p.Axes.SetLimitsX(-0.5, 16.5);
            p.Legend.IsVisible = true;
        }

        // Head-room above the data so the legend (upper left) covers no line.
        left.Axes.SetLimitsY(0, 1.3 * amplified.SelectMany(s => s.Points).Max(p => p.Q3Ns) / 1000.0);
        right.Axes.SetLimitsY(0, 1.5 * unamplified.SelectMany(s => s.Points).Max(p => p.Q3Ns));
        left.Legend.Alignment = Alignment.UpperLeft;
        right.Legend.Alignment = Alignment.UpperLeft;

        multiplot.SavePng(path, 1600, 700);
    }

    private static void AddSeries(Plot plot, IReadOnlyList<SweepSeries> series, double divisor)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var i = 0;
        foreach (var s in series)
        {
            var xs = s.Points.Select(p => (double)p.Prefix).ToArray();
            var ys = s.Points.Select(p => p.MedianNs / divisor).ToArray();
            var lo = s.Points.Select(p => (p.MedianNs - p.Q1Ns) / divisor).ToArray();
            var hi = s.Points.Select(p => (p.Q3Ns - p.MedianNs) / divisor).ToArray();
            var color = s.Kind == VerifierKind.ConstantTime ? palette.GetColor(s.Repetitions == 1 ? 1 : 2) : palette.GetColor(s.Repetitions == 1 ? 3 : 0);
            if (s.AmplifyIterations > 0)
            {
                color = palette.GetColor(3);
            }

            var sc = plot.Add.Scatter(xs, ys, color);
            sc.LegendText = s.Name;
            sc.LineWidth = 2;
            sc.MarkerSize = 7;
            var eb = new ScottPlot.Plottables.ErrorBar(xs, ys, null, null, lo, hi);
            plot.Add.Plottable(eb);
            eb.Color = color;
            i++;
        }

        plot.Axes.Margins(bottom: 0);
        _ = i;
    }
}
