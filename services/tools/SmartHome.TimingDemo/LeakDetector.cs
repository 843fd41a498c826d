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
/// All samples are ranked together once; each candidate's rank sum is its one-sided Mann-Whitney U against
/// the other candidates pooled, and the candidate with the smallest p-value is "best" (the runner-up is the
/// next one). Picking the best of k is the minimum of k p-values, so the threshold is Bonferroni-corrected
/// for k candidates (and, in the adaptive loop, for the number of looks).
/// With <c>keep</c> &lt; 1 the samples above the pooled <c>keep</c> quantile are censored (tied at the top):
/// only the fast end of the distribution, where load and preemption have added least, orders the candidates
/// (a box test on the low percentiles, Crosby et al.). Censoring at a pooled threshold treats every
/// candidate alike, so the test stays valid when there is no leak.
/// </summary>
public static class LeakDetector
{
    public static Detection Detect(IReadOnlyList<IReadOnlyList<double>> samples, Estimator estimator, double threshold, double keep = 1.0)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count < 2)
        {
            throw new ArgumentException("Need at least two candidates.", nameof(samples));
        }

        var tests = RankAgainstRest(samples, keep);
        var best = 0;
        for (var c = 1; c < tests.Length; c++)
        {
            if (tests[c].Z > tests[best].Z)
            {
                best = c;
            }
        }

        var runnerUp = best == 0 ? 1 : 0;
        for (var c = 0; c < tests.Length; c++)
        {
            if (c != best && tests[c].Z > tests[runnerUp].Z)
            {
                runnerUp = c;
            }
        }

        // Estimates only describe the candidates for the report; the decision is the rank test above.
        var estimates = new double[samples.Count];
        for (var c = 0; c < samples.Count; c++)
        {
            estimates[c] = Stats.Estimate(ToArray(samples[c]), estimator);
        }

        var restEstimates = estimates.Where((_, c) => c != best).ToArray();
        return new Detection(best, runnerUp, estimates[best], estimates[runnerUp], Stats.Median(restEstimates), tests[best], threshold);
    }

    /// <summary>Per-look threshold for a family-wise error <paramref name="alpha"/> over candidates x looks.</summary>
    public static double BonferroniThreshold(double alpha, int candidates, int looks) => alpha / (candidates * (double)Math.Max(1, looks));

    /// <summary>Confirmation on fresh samples: is the chosen candidate slower than the runner-up (same censoring)?</summary>
    public static MannWhitneyResult Confirm(ReadOnlySpan<double> bestFresh, ReadOnlySpan<double> runnerUpFresh, double keep = 1.0)
    {
        if (keep >= 1.0)
        {
            return Stats.MannWhitneyGreater(bestFresh, runnerUpFresh);
        }

        var cut = Stats.Quantile([.. bestFresh, .. runnerUpFresh], keep);
        return Stats.MannWhitneyGreater(Censor(bestFresh, cut), Censor(runnerUpFresh, cut));
    }

    private static double[] Censor(ReadOnlySpan<double> values, double cut)
    {
        var censored = values.ToArray();
        for (var i = 0; i < censored.Length; i++)
        {
            censored[i] = Math.Min(censored[i], cut);
        }

        return censored;
    }

    /// <summary>One-sided Mann-Whitney of every candidate against all others, from one ranking of the pooled samples.</summary>
    private static MannWhitneyResult[] RankAgainstRest(IReadOnlyList<IReadOnlyList<double>> samples, double keep)
    {
        var total = samples.Sum(s => s.Count);
        var values = new double[total];
        var owner = new int[total];
        var offset = 0;
        for (var c = 0; c < samples.Count; c++)
        {
            var s = samples[c];
            for (var i = 0; i < s.Count; i++)
            {
                values[offset] = s[i];
                owner[offset++] = c;
            }
        }

        Array.Sort(values, owner);
        if (keep < 1.0)
        {
            // Values above the pooled keep-quantile all become that quantile: one tie at the top.
            var cut = Stats.SortedQuantile(values, keep);
            for (var i = 0; i < total; i++)
            {
                values[i] = Math.Min(values[i], cut);
            }
        }

        var rankSums = new double[samples.Count];
        double tieTerm = 0;
        var start = 0;
        while (start < total)
        {
            var end = start;
            while (end + 1 < total && values[end + 1] == values[start])
            {
                end++;
            }

            var averageRank = ((start + end) / 2.0) + 1.0;
            for (var k = start; k <= end; k++)
            {
                rankSums[owner[k]] += averageRank;
            }

            double t = end - start + 1;
            tieTerm += (t * t * t) - t;
            start = end + 1;
        }

        var results = new MannWhitneyResult[samples.Count];
        for (var c = 0; c < samples.Count; c++)
        {
            double n1 = samples[c].Count;
            var n2 = total - n1;
            var u = rankSums[c] - (n1 * (n1 + 1.0) / 2.0);
            var mu = n1 * n2 / 2.0;
            var variance = n1 * n2 / 12.0 * ((total + 1.0) - (tieTerm / (total * (total - 1.0))));
            if (n1 == 0 || n2 == 0 || variance <= 0)
            {
                results[c] = new MannWhitneyResult(u, 0, 1.0);
                continue;
            }

            var z = (u - mu - 0.5) / Math.Sqrt(variance);
            results[c] = new MannWhitneyResult(u, z, Stats.NormalUpperTail(z));
        }

        return results;
    }

    private static double[] ToArray(IReadOnlyList<double> list) => list switch
    {
        double[] a => a,
        List<double> l => [.. l],
        _ => [.. list],
    };
}
