using System.Diagnostics;

namespace SmartHome.TimingDemo;

/// <summary>
/// Recovers a token byte by byte from the order of answers alone (the "timeless" technique, Van Goethem et al. 2020).
/// For each position, every round shuffles the 256 candidates into 128 pairs and races each pair, the two in a random
/// order within the pair (cancelling any advantage of being sent first); a candidate scores when its answer comes back
/// last. Without a leak every race is a fair coin for each candidate, so the top scorer is tested with an exact sign test
/// (binomial, p = 1/2) at alpha / (256 candidates x looks), then confirmed in fresh races against the runner-up.
/// Most races are between two wrong candidates and say nothing about the right one, so at each look without a discovery
/// the 16 top scorers also race each other in a final on fresh races (each finalist races 8 times per screening round so
/// far, at half the cost of the screening itself): its top scorer is tested the same way at alpha / (16 finalists x looks).
/// Fresh races keep the final a fair coin without a leak, whatever the screening chose; screening and final each hold
/// the error at alpha, and the confirmation comes on top of both.
/// </summary>
public sealed class OrderRecoverer(IOrderOracle oracle, RecoveryOptions options) : PrefixRecoverer(options)
{
    private const int Candidates = 256;
    private const int Finalists = 16;
    private const int FinalRoundsPerScreeningRound = 8;

    protected override int TokenLength => oracle.TokenLength;

    protected override long Warmup(Random rng)
    {
        var a = new byte[oracle.TokenLength];
        var b = new byte[oracle.TokenLength];
        var races = Options.WarmupQueries / 2;
        for (var i = 0; i < races; i++)
        {
            rng.NextBytes(a);
            rng.NextBytes(b);
            oracle.Race(a, b);
        }

        return 2L * races;
    }

    protected override int QueriesPerTry => 2; // a race is two requests

    protected override bool Accepts(byte[] token) => oracle.Race(token, token).FirstAccepted;

    protected override ByteResult DecideByte(byte[] known, int pos, Random rng)
    {
        var sw = Stopwatch.StartNew();
        var schedule = Options.Schedule();
        var threshold = LeakDetector.BonferroniThreshold(Options.Alpha, Candidates, schedule.Count);
        var finalThreshold = LeakDetector.BonferroniThreshold(Options.Alpha, Finalists, schedule.Count);
        var wins = new int[Candidates];

        // One buffer per side of the race, same prefix and filler: only byte pos differs between the two tokens.
        var first = new byte[known.Length];
        var second = new byte[known.Length];
        known.AsSpan(0, pos).CopyTo(first);
        known.AsSpan(0, pos).CopyTo(second);

        // True when candidate a answered after candidate b; which of them is sent first is a coin toss.
        bool AnsweredLast(int a, int b)
        {
            var aFirst = rng.Next(2) == 0;
            first[pos] = (byte)(aFirst ? a : b);
            second[pos] = (byte)(aFirst ? b : a);
            var secondLast = oracle.Race(first, second).SecondAnsweredLast;
            return aFirst != secondLast; // a was sent first: it answered last when the second did not
        }

        var order = Enumerable.Range(0, Candidates).ToArray();
        long queries = 0;
        var rounds = 0;
        var outOfTime = false;
        (int Best, int RunnerUp, double P) last = (0, 1, 1.0);
        var confirmP = double.NaN;
        foreach (var target in schedule)
        {
            for (; rounds < target && !outOfTime; rounds++)
            {
                rng.Shuffle(order);
                for (var i = 0; i < Candidates; i += 2)
                {
                    var (a, b) = (order[i], order[i + 1]);
                    wins[AnsweredLast(a, b) ? a : b]++;
                }

                queries += Candidates;
                CountQueries(Candidates);
                outOfTime = Budget.IsExhausted;
            }

            last = TopTwo(wins, rounds);
            var used = threshold;
            Report();
            if (outOfTime)
            {
                break;
            }

            if (last.P >= threshold)
            {
                var (final, finalQueries) = RaceFinal(wins, rounds * FinalRoundsPerScreeningRound, rng, AnsweredLast, Budget);
                queries += finalQueries;
                CountQueries(finalQueries);
                outOfTime = Budget.IsExhausted;
                if (final.P >= finalThreshold || outOfTime)
                {
                    continue;
                }

                last = final;
                used = finalThreshold;
            }

            // Confirmation in fresh races: the top scorer against the runner-up, sign test at alpha.
            var n = Math.Max(Options.InitialSamples, target);
            var bestLast = 0;
            for (var i = 0; i < n; i++)
            {
                if (AnsweredLast(last.Best, last.RunnerUp))
                {
                    bestLast++;
                }
            }

            queries += 2L * n;
            CountQueries(2L * n);
            confirmP = Stats.SignTestUpperTail(bestLast, n);
            if (confirmP < Options.Alpha)
            {
                TimingMetrics.SamplesPerByte.Record(rounds);
                return Result(true, outOfTime: false, used);
            }
        }

        TimingMetrics.SamplesPerByte.Record(rounds);
        return Result(false, outOfTime, threshold);

        ByteResult Result(bool significant, bool outOfTime, double usedThreshold)
        {
            var share = rounds == 0 ? double.NaN : 1.0 / rounds;
            var rest = Stats.Median(wins.Where((_, c) => c != last.Best).Select(w => (double)w).ToArray());
            return new ByteResult(pos, significant, (byte)last.Best, rounds, queries, wins[last.Best] * share, wins[last.RunnerUp] * share,
                rest * share, last.P, usedThreshold, confirmP, sw.Elapsed, outOfTime);
        }
    }

    /// <summary>
    /// The <see cref="Finalists"/> top scorers (ties broken at random) race each other for <paramref name="rounds"/> rounds
    /// of fresh races (fewer when the budget ends first: the test then counts the rounds raced); returns the final's top two
    /// and its sign-test p-value, and the queries it took.
    /// </summary>
    private static ((int Best, int RunnerUp, double P) Result, long Queries) RaceFinal(int[] wins, int rounds, Random rng,
        Func<int, int, bool> answeredLast, TimeBudget budget)
    {
        var tieBreak = Enumerable.Range(0, wins.Length).Select(_ => rng.Next()).ToArray();
        var finalists = Enumerable.Range(0, wins.Length).OrderByDescending(c => wins[c]).ThenBy(c => tieBreak[c]).Take(Finalists).ToArray();
        var finalWins = new int[wins.Length];
        var raced = 0;
        for (; raced < rounds && !budget.IsExhausted; raced++)
        {
            rng.Shuffle(finalists);
            for (var i = 0; i < Finalists; i += 2)
            {
                var (a, b) = (finalists[i], finalists[i + 1]);
                finalWins[answeredLast(a, b) ? a : b]++;
            }
        }

        // Only finalists have wins: the top two of the whole array are finalists.
        return (TopTwo(finalWins, raced), (long)raced * Finalists);
    }

    /// <summary>The two candidates that answered last most often, and the sign-test p-value of the first.</summary>
    private static (int Best, int RunnerUp, double P) TopTwo(int[] wins, int rounds)
    {
        var best = 0;
        for (var c = 1; c < wins.Length; c++)
        {
            if (wins[c] > wins[best])
            {
                best = c;
            }
        }

        var runnerUp = best == 0 ? 1 : 0;
        for (var c = 0; c < wins.Length; c++)
        {
            if (c != best && wins[c] > wins[runnerUp])
            {
                runnerUp = c;
            }
        }

        return (best, runnerUp, Stats.SignTestUpperTail(wins[best], rounds));
    }
}
