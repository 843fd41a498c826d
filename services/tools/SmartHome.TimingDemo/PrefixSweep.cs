namespace SmartHome.TimingDemo;

public sealed record SweepPoint(int Prefix, int Samples, double MeanNs, double MedianNs, double TrimmedMeanNs, double Q1Ns, double Q3Ns);

/// <summary>Time vs number of correct leading bytes for one verifier configuration.</summary>
public sealed record SweepSeries(
    string Name,
    VerifierKind Kind,
    int AmplifyIterations,
    int Repetitions,
    IReadOnlyList<SweepPoint> Points,
    MannWhitneyResult FirstVsLast,
    double SlopeNsPerByte)
{
    /// <summary>Median(prefix = full) - median(prefix = 0).</summary>
    public double MedianDifferenceNs => Points[^1].MedianNs - Points[0].MedianNs;
}

/// <summary>
/// The instrumented measurement (it knows the secret): for k = 0..L, tokens whose first k bytes are
/// correct and byte k is wrong, sampled round-robin in a shuffled order per round.
/// </summary>
public static class PrefixSweep
{
    public static byte[] TokenWithPrefix(ReadOnlySpan<byte> secret, int k)
    {
        var g = secret.ToArray();
        for (var i = k; i < g.Length; i++)
        {
            g[i] ^= 0x5A; // every byte from k on is wrong
        }

        return g;
    }

    public static SweepSeries Run(string name, ITokenVerifier verifier, int amplifyIterations, byte[] secret,
        int samplesPerPoint, int repetitions, int seed, int warmup = 20_000)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        ArgumentNullException.ThrowIfNull(secret);
        var oracle = new InProcessOracle(verifier, repetitions, secret);
        var len = secret.Length;
        var tokens = Enumerable.Range(0, len + 1).Select(k => TokenWithPrefix(secret, k)).ToArray();
        var samples = new double[len + 1][];
        for (var k = 0; k <= len; k++)
        {
            samples[k] = new double[samplesPerPoint];
        }

        var buffer = new byte[len]; // one buffer for all prefixes: same address and alignment for every k
        OracleResult Query(int k)
        {
            tokens[k].CopyTo(buffer, 0);
            return oracle.Query(buffer);
        }

        var rng = new Random(seed);
        for (var i = 0; i < warmup / Math.Max(1, repetitions); i++)
        {
            Query(i % tokens.Length);
        }

        var order = Enumerable.Range(0, len + 1).ToArray();
        for (var s = 0; s < samplesPerPoint; s++)
        {
            rng.Shuffle(order);
            foreach (var k in order)
            {
                samples[k][s] = Query(k).ElapsedNs;
            }
        }

        var points = new List<SweepPoint>(len + 1);
        for (var k = 0; k <= len; k++)
        {
            var sorted = (double[])samples[k].Clone();
            Array.Sort(sorted);
            points.Add(new SweepPoint(k, samplesPerPoint, Stats.Mean(sorted), Stats.SortedQuantile(sorted, 0.5),
                Stats.TrimmedMean(sorted), Stats.SortedQuantile(sorted, 0.25), Stats.SortedQuantile(sorted, 0.75)));
        }

        var test = Stats.MannWhitneyTwoSided(samples[len], samples[0]);
        var xs = points.Select(p => (double)p.Prefix).ToArray();
        var ys = points.Select(p => p.MedianNs).ToArray();
        return new SweepSeries(name, verifier.Kind, amplifyIterations, repetitions, points, test, Stats.OlsSlope(xs, ys));
    }
}
