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

    [Fact]
    public void Continue_on_failure_goes_through_all_bytes_without_claiming_significance()
    {
        var secret = Secret(7);
        var oracle = new SyntheticOracle(secret, 0.0, 7);

        var result = new ByteRecoverer(oracle, Options(7, max: 64) with { StopOnFailure = false }).Recover();

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
