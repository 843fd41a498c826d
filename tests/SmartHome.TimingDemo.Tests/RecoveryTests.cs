namespace SmartHome.TimingDemo.Tests;

public class RecoveryTests
{
    private static byte[] Secret(int seed)
    {
        var s = new byte[16];
        new Random(seed).NextBytes(s);
        return s;
    }

    private static RecoveryOptions Options(int seed, int max = 1024) =>
        new() { Seed = seed, WarmupQueries = 0, InitialSamples = 16, MaxSamples = max, Alpha = 0.01 };

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Recovers_known_secret_from_leaking_synthetic_timer(int seed)
    {
        var secret = Secret(100 + seed);
        var oracle = new SyntheticOracle(secret, leakPerByte: 1.0, seed);

        var result = new ByteRecoverer(oracle, Options(seed)).Recover();

        Assert.True(result.Complete);
        Assert.Equal(secret, result.Recovered);
        Assert.True(result.AcceptedByOracle);
        Assert.All(result.Bytes, b =>
        {
            Assert.True(b.Significant);
            Assert.True(b.DiscoveryPValue < b.DiscoveryThreshold);
            Assert.True(b.ConfirmPValue < 0.01);
            Assert.InRange(b.SamplesPerCandidate, 16, 1024);
        });
        Assert.Equal(result.Bytes.Sum(b => b.Queries) + 1, result.TotalQueries);
        Assert.Equal(oracle.Queries, result.TotalQueries);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Flat_timer_reports_no_significant_leak_and_claims_nothing(int seed)
    {
        var secret = Secret(200 + seed);
        var oracle = new SyntheticOracle(secret, leakPerByte: 0.0, seed);

        var result = new ByteRecoverer(oracle, Options(seed, max: 512)).Recover();

        Assert.False(result.Complete);
        Assert.False(result.AcceptedByOracle);
        var only = Assert.Single(result.Bytes);
        Assert.Equal(0, only.Position);
        Assert.False(only.Significant);
        Assert.Equal(512, only.SamplesPerCandidate); // used the whole budget before giving up
        Assert.Empty(result.Recovered);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Keeping_only_the_fast_end_still_recovers_a_leak_and_flags_no_flat_timer(int seed)
    {
        var secret = Secret(500 + seed);
        var leaking = new ByteRecoverer(new SyntheticOracle(secret, 1.0, seed), Options(seed) with { Keep = 0.25 }).Recover();
        Assert.True(leaking.Complete);
        Assert.Equal(secret, leaking.Recovered);

        var flat = new ByteRecoverer(new SyntheticOracle(secret, 0.0, seed), Options(seed, max: 256) with { Keep = 0.25 }).Recover();
        Assert.False(Assert.Single(flat.Bytes).Significant);
        Assert.Empty(flat.Recovered);
    }

    [Fact]
    public void A_byte_without_a_leak_sends_the_attack_back_once_then_it_stops_with_what_it_proved()
    {
        var secret = Secret(13);
        var oracle = new SyntheticOracle(secret, 1.0, 13, leakyBytes: 3);

        var result = new ByteRecoverer(oracle, Options(13, max: 1024)).Recover();

        Assert.Equal([0, 1, 2, 3, 2, 3], result.Bytes.Select(b => b.Position));
        Assert.False(result.Bytes[3].Significant);
        Assert.True(result.Bytes[4].Significant); // byte 2 decided again, on fresh samples
        Assert.Equal(secret[..3], result.Recovered);
        Assert.False(result.Complete);
        Assert.False(result.OutOfTime);
    }

    [Fact]
    public void A_used_up_time_budget_stops_the_attack_and_claims_nothing()
    {
        var secret = Secret(17);
        var run = new ByteRecoverer(new SyntheticOracle(secret, 1.0, 17), Options(17)).Recover(new TimeBudget(TimeSpan.Zero));

        Assert.True(run.OutOfTime);
        Assert.False(run.Complete);
        Assert.Empty(run.Recovered);
        Assert.Contains("time budget", new AttackRun("a", "o", Options(17), run, secret).Verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void Progress_reports_bytes_and_queries_as_the_attack_goes()
    {
        var secret = Secret(19);
        var seen = new List<AttackProgress>();

        var result = new ByteRecoverer(new SyntheticOracle(secret, 1.0, 19), Options(19)).Recover(onProgress: seen.Add);

        Assert.NotEmpty(seen);
        Assert.Equal(16, seen[^1].BytesDecided);
        Assert.Equal(result.TotalQueries, seen[^1].Queries);
        Assert.Equal(TimeSpan.Zero, seen[^1].EstimatedLeft);
        Assert.True(seen.Zip(seen.Skip(1)).All(p => p.Second.Queries >= p.First.Queries && p.Second.BytesDecided >= p.First.BytesDecided));
    }

    [Fact]
    public void Time_left_is_the_rate_so_far_capped_by_the_budget()
    {
        static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);
        Assert.Equal(S(30), AttackProgress.Estimate(4, 16, S(10), TimeSpan.MaxValue));
        Assert.Equal(S(20), AttackProgress.Estimate(4, 16, S(10), S(20)));
        Assert.Null(AttackProgress.Estimate(0, 16, S(10), TimeSpan.MaxValue));
        Assert.Equal(S(50), AttackProgress.Estimate(0, 16, S(10), S(50)));
        Assert.Equal(TimeSpan.Zero, AttackProgress.Estimate(16, 16, S(10), S(50)));
    }

    [Fact]
    public void Continue_on_failure_goes_through_all_bytes_without_claiming_significance()
    {
        var secret = Secret(7);
        var oracle = new SyntheticOracle(secret, 0.0, 7);

        var result = new ByteRecoverer(oracle, Options(7, max: 64) with { StopOnFailure = false }).Recover();
        Assert.Equal(Enumerable.Range(0, 16), result.Bytes.Select(b => b.Position)); // no going back without StopOnFailure

        Assert.Equal(16, result.Bytes.Count);
        Assert.All(result.Bytes, b => Assert.False(b.Significant));
        Assert.False(result.Complete);
    }

    [Fact]
    public void Same_seed_gives_identical_result()
    {
        var secret = Secret(9);
        var a = new ByteRecoverer(new SyntheticOracle(secret, 1.0, 9), Options(9)).Recover();
        var b = new ByteRecoverer(new SyntheticOracle(secret, 1.0, 9), Options(9)).Recover();

        Assert.Equal(a.Bytes.Select(x => x.SamplesPerCandidate), b.Bytes.Select(x => x.SamplesPerCandidate));
        Assert.Equal(a.Recovered, b.Recovered);
    }

    [Fact]
    public void Schedule_grows_geometrically_up_to_the_budget()
    {
        var o = new RecoveryOptions { InitialSamples = 16, MaxSamples = 100, Growth = 1.5 };
        Assert.Equal([16, 24, 36, 54, 81, 100], o.Schedule());
        Assert.Equal([8], new RecoveryOptions { InitialSamples = 16, MaxSamples = 8 }.Schedule());
    }

    [Fact]
    public void Detector_flags_the_shifted_candidate_and_not_a_flat_set()
    {
        var rng = new Random(5);
        double[] Draw(double shift) => Enumerable.Range(0, 200).Select(_ => shift + (10 * rng.NextDouble())).ToArray();
        var threshold = LeakDetector.BonferroniThreshold(0.01, 256, 1);

        var leaking = Enumerable.Range(0, 256).Select(c => (IReadOnlyList<double>)Draw(c == 77 ? 3.0 : 0.0)).ToList();
        var hit = LeakDetector.Detect(leaking, Estimator.Median, threshold);
        Assert.Equal(77, hit.Best);
        Assert.True(hit.Significant);
        Assert.True(hit.BestEstimate > hit.RestEstimate + 2);

        var flat = Enumerable.Range(0, 256).Select(_ => (IReadOnlyList<double>)Draw(0.0)).ToList();
        var none = LeakDetector.Detect(flat, Estimator.TrimmedMean, threshold);
        Assert.False(none.Significant);
        Assert.NotEqual(none.Best, none.RunnerUp);
    }

    [Fact]
    public void Bonferroni_threshold_divides_alpha_by_candidates_and_looks()
    {
        Assert.Equal(0.01 / 256, LeakDetector.BonferroniThreshold(0.01, 256, 1), 15);
        Assert.Equal(0.01 / (256 * 12.0), LeakDetector.BonferroniThreshold(0.01, 256, 12), 15);
    }
}
