namespace SmartHome.TimingDemo;

/// <summary>Robust location estimator used to rank candidates.</summary>
public enum Estimator
{
    Median,

    /// <summary>Mean of the central 60 % (20 % trimmed from each end).</summary>
    TrimmedMean,

    /// <summary>10th percentile: the fast end, where load (preemption, other processes) has added least.</summary>
    LowPercentile,
}

/// <summary>Result of a Mann-Whitney U test (normal approximation with tie and continuity correction).</summary>
public readonly record struct MannWhitneyResult(double U, double Z, double PValue);

/// <summary>Small, dependency-free statistics: robust estimators and the Mann-Whitney U test.</summary>
public static class Stats
{
    public const double DefaultTrim = 0.2;

    public const double LowPercentile = 0.1;

    public static double Estimate(ReadOnlySpan<double> values, Estimator estimator) => estimator switch
    {
        Estimator.Median => Median(values),
        Estimator.TrimmedMean => TrimmedMean(values, DefaultTrim),
        Estimator.LowPercentile => Quantile(values, LowPercentile),
        _ => throw new ArgumentOutOfRangeException(nameof(estimator)),
    };

    public static double Median(ReadOnlySpan<double> values) => Quantile(values, 0.5);

    /// <summary>Quantile with linear interpolation between order statistics (type 7, as R and NumPy default).</summary>
    public static double Quantile(ReadOnlySpan<double> values, double q)
    {
        if (values.IsEmpty)
        {
            return double.NaN;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(q, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(q, 1.0);
        var sorted = values.ToArray();
        Array.Sort(sorted);
        return SortedQuantile(sorted, q);
    }

    public static double SortedQuantile(ReadOnlySpan<double> sorted, double q)
    {
        if (sorted.IsEmpty)
        {
            return double.NaN;
        }

        var h = (sorted.Length - 1) * q;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }

    /// <summary>Mean after removing <c>floor(trim * n)</c> values from each end.</summary>
    public static double TrimmedMean(ReadOnlySpan<double> values, double trim = DefaultTrim)
    {
        if (values.IsEmpty)
        {
            return double.NaN;
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(trim, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(trim, 0.5);
        var sorted = values.ToArray();
        Array.Sort(sorted);
        var k = (int)Math.Floor(trim * sorted.Length);
        var sum = 0.0;
        for (var i = k; i < sorted.Length - k; i++)
        {
            sum += sorted[i];
        }

        return sum / (sorted.Length - (2 * k));
    }

    public static double Mean(ReadOnlySpan<double> values)
    {
        if (values.IsEmpty)
        {
            return double.NaN;
        }

        var sum = 0.0;
        foreach (var v in values)
        {
            sum += v;
        }

        return sum / values.Length;
    }

    /// <summary>
    /// One-sided Mann-Whitney U test of H1 "<paramref name="x"/> tends to be larger than <paramref name="y"/>".
    /// U is the statistic of <paramref name="x"/> (pairs with x &gt; y, ties counting one half).
    /// </summary>
    public static MannWhitneyResult MannWhitneyGreater(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var (u, mu, sigma) = MannWhitneyCore(x, y);
        if (sigma <= 0)
        {
            return new MannWhitneyResult(u, 0, 1.0);
        }

        var z = (u - mu - 0.5) / sigma;
        return new MannWhitneyResult(u, z, NormalUpperTail(z));
    }

    /// <summary>Two-sided Mann-Whitney U test (is either sample stochastically larger?).</summary>
    public static MannWhitneyResult MannWhitneyTwoSided(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var (u, mu, sigma) = MannWhitneyCore(x, y);
        if (sigma <= 0)
        {
            return new MannWhitneyResult(u, 0, 1.0);
        }

        var z = Math.Max(0.0, Math.Abs(u - mu) - 0.5) / sigma;
        return new MannWhitneyResult(u, Math.Sign(u - mu) * z, Math.Min(1.0, 2.0 * NormalUpperTail(z)));
    }

    private static (double U, double Mu, double Sigma) MannWhitneyCore(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.IsEmpty || y.IsEmpty)
        {
            throw new ArgumentException("Both samples must be non-empty.");
        }

        var n1 = x.Length;
        var n2 = y.Length;
        var n = n1 + n2;
        var values = new double[n];
        var fromX = new bool[n];
        x.CopyTo(values);
        y.CopyTo(values.AsSpan(n1));
        fromX.AsSpan(0, n1).Fill(true);
        Array.Sort(values, fromX);

        double rankSumX = 0;
        double tieTerm = 0;
        var i = 0;
        while (i < n)
        {
            var j = i;
            while (j + 1 < n && values[j + 1] == values[i])
            {
                j++;
            }

            var averageRank = ((i + j) / 2.0) + 1.0;
            for (var k = i; k <= j; k++)
            {
                if (fromX[k])
                {
                    rankSumX += averageRank;
                }
            }

            double t = j - i + 1;
            tieTerm += (t * t * t) - t;
            i = j + 1;
        }

        var u = rankSumX - (n1 * (n1 + 1.0) / 2.0);
        var mu = n1 * (double)n2 / 2.0;
        var variance = n1 * (double)n2 / 12.0 * ((n + 1.0) - (tieTerm / (n * (n - 1.0))));
        return (u, mu, variance > 0 ? Math.Sqrt(variance) : 0.0);
    }

    /// <summary>
    /// Sign test: P(X &gt;= <paramref name="successes"/>) for X ~ Binomial(<paramref name="trials"/>, 1/2), exact
    /// (summed in log space, so thousands of trials neither overflow nor underflow).
    /// </summary>
    public static double SignTestUpperTail(int successes, int trials)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trials);
        if (successes <= 0)
        {
            return 1.0;
        }

        if (successes > trials)
        {
            return 0.0;
        }

        // log C(n, k) for k = successes..n, built from log C(n, successes) by the ratio (n - k) / (k + 1).
        var logChoose = LogFactorial(trials) - LogFactorial(successes) - LogFactorial(trials - successes);
        var logHalfPowN = -trials * Math.Log(2.0);
        var maxLog = logChoose; // the first term is the largest once successes >= n / 2; log-sum-exp handles the rest
        var terms = new List<double>(trials - successes + 1);
        for (var k = successes; k <= trials; k++)
        {
            terms.Add(logChoose);
            maxLog = Math.Max(maxLog, logChoose);
            logChoose += Math.Log(trials - k) - Math.Log(k + 1.0);
        }

        var sum = 0.0;
        foreach (var t in terms)
        {
            sum += Math.Exp(t - maxLog);
        }

        return Math.Min(1.0, Math.Exp(maxLog + Math.Log(sum) + logHalfPowN));
    }

    private static double LogFactorial(int n)
    {
        var sum = 0.0;
        for (var i = 2; i <= n; i++)
        {
            sum += Math.Log(i);
        }

        return sum;
    }

    /// <summary>P(Z &gt; z) for a standard normal Z.</summary>
    public static double NormalUpperTail(double z) => 0.5 * Erfc(z / Math.Sqrt(2.0));

    /// <summary>Complementary error function, fractional error below 1.2e-7 everywhere (Numerical Recipes erfcc).</summary>
    public static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1.0 / (1.0 + (0.5 * z));
        ReadOnlySpan<double> c = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
            0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
        var poly = 0.0;
        for (var i = c.Length - 1; i >= 0; i--)
        {
            poly = c[i] + (t * poly);
        }

        var ans = t * Math.Exp(-(z * z) + poly);
        return x >= 0 ? ans : 2.0 - ans;
    }

    /// <summary>Ordinary least-squares slope of y on x.</summary>
    public static double OlsSlope(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        var mx = Mean(x);
        var my = Mean(y);
        double sxy = 0, sxx = 0;
        for (var i = 0; i < x.Length; i++)
        {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
        }

        return sxx > 0 ? sxy / sxx : double.NaN;
    }
}
