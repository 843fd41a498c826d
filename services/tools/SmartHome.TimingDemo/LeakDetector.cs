namespace SmartHome.TimingDemo;

/// <summary>Outcome of ranking the candidates of one byte position on the samples so far.</summary>
public sealed record Detection(
    int Best,
    int RunnerUp,
    double BestEstimate,
    double RunnerUpEstimate,
    double RestEstimate,
    MannWhitneyResult Test,
    double Threshold)
{
    /// <summary>True when the best candidate is slower than all others pooled at the corrected threshold.</summary>
    public bool Significant => Test.PValue < Threshold;
}

/// <summary>
/// Pure statistics over sample arrays: which candidate is slowest, and is that significant?
/// The "best" candidate is the one with the largest robust location estimate; it is tested against
/// all other candidates pooled with a one-sided Mann-Whitney U test. Picking the best of k and then
/// testing it is the minimum of k p-values, so the threshold is Bonferroni-corrected for k candidates
/// (and, in the adaptive loop, for the number of looks).
/// </summary>
public static class LeakDetector
{
    public static Detection Detect(IReadOnlyList<IReadOnlyList<double>> samples, Estimator estimator, double threshold)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count < 2)
        {
            throw new ArgumentException("Need at least two candidates.", nameof(samples));
        }

        var estimates = new double[samples.Count];
        for (var c = 0; c < samples.Count; c++)
        {
            estimates[c] = Stats.Estimate(ToArray(samples[c]), estimator);
        }

        var best = 0;
        for (var c = 1; c < estimates.Length; c++)
        {
            if (estimates[c] > estimates[best])
            {
                best = c;
            }
        }

        var runnerUp = best == 0 ? 1 : 0;
        for (var c = 0; c < estimates.Length; c++)
        {
            if (c != best && estimates[c] > estimates[runnerUp])
            {
                runnerUp = c;
            }
        }

        var restCount = 0;
        for (var c = 0; c < samples.Count; c++)
        {
            if (c != best)
            {
                restCount += samples[c].Count;
            }
        }

        var rest = new double[restCount];
        var restEstimates = new double[samples.Count - 1];
        int offset = 0, e = 0;
        for (var c = 0; c < samples.Count; c++)
        {
            if (c == best)
            {
                continue;
            }

            var s = samples[c];
            for (var i = 0; i < s.Count; i++)
            {
                rest[offset++] = s[i];
            }

            restEstimates[e++] = estimates[c];
        }

        var test = Stats.MannWhitneyGreater(ToArray(samples[best]), rest);
        return new Detection(best, runnerUp, estimates[best], estimates[runnerUp], Stats.Median(restEstimates), test, threshold);
    }

    /// <summary>Per-look threshold for a family-wise error <paramref name="alpha"/> over candidates x looks.</summary>
    public static double BonferroniThreshold(double alpha, int candidates, int looks) => alpha / (candidates * (double)Math.Max(1, looks));

    /// <summary>Confirmation on fresh samples: is the chosen candidate slower than the runner-up?</summary>
    public static MannWhitneyResult Confirm(ReadOnlySpan<double> bestFresh, ReadOnlySpan<double> runnerUpFresh) =>
        Stats.MannWhitneyGreater(bestFresh, runnerUpFresh);

    private static double[] ToArray(IReadOnlyList<double> list) => list switch
    {
        double[] a => a,
        List<double> l => [.. l],
        _ => [.. list],
    };
}
