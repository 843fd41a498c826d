using HdrHistogram;

namespace SmartHome.Report;

/// <summary>Percentiles of a latency sample, computed with HdrHistogram at microsecond resolution (3 significant digits).</summary>
public sealed record LatencyStats(int Count, double P50Ms, double P95Ms, double P99Ms, double P999Ms, double MaxMs, double MeanMs,
    IReadOnlyList<CdfPoint> Cdf)
{
    /// <summary>Percentiles at which the CDF is sampled for results.json and the plot.</summary>
    public static readonly double[] CdfPercentiles =
        [.. Enumerable.Range(0, 100).Select(i => (double)i), 99.5, 99.9, 99.99, 100];

    public static LatencyStats Empty { get; } = new(0, 0, 0, 0, 0, 0, 0, []);

    public static LatencyStats Compute(IEnumerable<double> samplesMs)
    {
        ArgumentNullException.ThrowIfNull(samplesMs);
        // 1 µs .. 1 h, 3 significant digits: every percentile is within 0.1 % of the exact sample value.
        var histogram = new LongHistogram(1, 3_600_000_000L, 3);
        var count = 0;
        var sum = 0.0;
        var max = 0.0;
        foreach (var ms in samplesMs)
        {
            var clamped = Math.Clamp(ms, 0.001, 3_600_000);
            histogram.RecordValue((long)Math.Round(clamped * 1000));
            count++;
            sum += ms;
            max = Math.Max(max, ms);
        }

        if (count == 0)
        {
            return Empty;
        }

        // HdrHistogram answers the highest value equivalent to a bucket; never report more than the exact maximum.
        double At(double p) => Math.Min(max, histogram.GetValueAtPercentile(p) / 1000.0);
        return new LatencyStats(count, At(50), At(95), At(99), At(99.9), max, sum / count,
            [.. CdfPercentiles.Select(p => new CdfPoint(p, p >= 100 ? max : At(p)))]);
    }
}
