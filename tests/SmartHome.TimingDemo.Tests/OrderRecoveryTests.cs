namespace SmartHome.TimingDemo.Tests;

public class OrderRecoveryTests
{
    private static byte[] Secret(int seed)
    {
        var s = new byte[16];
        new Random(seed).NextBytes(s);
        return s;
    }

    private static RecoveryOptions Options(int seed, int max = 512) =>
        new() { Seed = seed, WarmupQueries = 0, InitialSamples = 8, MaxSamples = max, Alpha = 0.01 };

    [Theory]
    [InlineData(1, 0.75)]
    [InlineData(2, 0.75)]
    [InlineData(3, 0.65)]
    public void Recovers_known_secret_from_a_race_whose_longer_request_answers_last_more_often(int seed, double longerLast)
    {
        var secret = Secret(300 + seed);
        var oracle = new SyntheticOrderOracle(secret, longerLast, secondLast: 0.7, seed);

        var result = new OrderRecoverer(oracle, Options(seed)).Recover();

        Assert.True(result.Complete);
        Assert.Equal(secret, result.Recovered);
        Assert.True(result.AcceptedByOracle);
        Assert.Equal(Enumerable.Range(0, 16), result.Bytes.Where(b => b.Significant).Select(b => b.Position).Distinct().Order());
        Assert.All(result.Bytes.Where(b => b.Significant), b =>
        {
            Assert.True(b.Significant);
            Assert.True(b.DiscoveryPValue < b.DiscoveryThreshold);
            Assert.True(b.ConfirmPValue < 0.01);
            Assert.True(b.BestEstimateNs > 0.5); // the right candidate answered last in more than half its races
        });
        Assert.Equal(2 * oracle.Races, result.TotalQueries); // two requests per race
    }

    [Theory]
    [InlineData(1, 0.5)]
    [InlineData(2, 0.5)]
    [InlineData(3, 0.9)]
    [InlineData(4, 0.1)]
    [InlineData(5, 0.7)]
    public void Race_without_a_leak_is_never_flagged_even_with_a_position_bias(int seed, double secondLast)
    {
        var secret = Secret(400 + seed);
        var oracle = new SyntheticOrderOracle(secret, longerLast: 0.5, secondLast, seed);

        var result = new OrderRecoverer(oracle, Options(seed, max: 256)).Recover();

        Assert.False(result.Complete);
        Assert.False(result.AcceptedByOracle);
        var only = Assert.Single(result.Bytes);
        Assert.False(only.Significant);
        Assert.Equal(256, only.SamplesPerCandidate); // raced its whole budget before giving up
        Assert.Empty(result.Recovered);
    }

    [Fact]
    public void Same_seed_gives_identical_result()
    {
        var secret = Secret(9);
        var a = new OrderRecoverer(new SyntheticOrderOracle(secret, 0.7, 0.6, 9), Options(9)).Recover();
        var b = new OrderRecoverer(new SyntheticOrderOracle(secret, 0.7, 0.6, 9), Options(9)).Recover();

        Assert.Equal(a.Bytes.Select(x => x.SamplesPerCandidate), b.Bytes.Select(x => x.SamplesPerCandidate));
        Assert.Equal(a.Recovered, b.Recovered);
    }

    [Fact]
    public void A_used_up_time_budget_stops_the_attack_and_claims_nothing()
    {
        var secret = Secret(11);
        var oracle = new SyntheticOrderOracle(secret, 0.9, 0.5, 11);

        var result = new OrderRecoverer(oracle, Options(11)).Recover(new TimeBudget(TimeSpan.Zero));

        Assert.True(result.OutOfTime);
        Assert.False(result.Complete);
        Assert.Empty(result.Recovered);
    }

    [Theory]
    [InlineData(10, 10, 1.0 / 1024)]
    [InlineData(0, 10, 1.0)]
    [InlineData(5, 10, 0.623046875)]
    [InlineData(6, 10, 0.376953125)]
    [InlineData(11, 10, 0.0)]
    public void Sign_test_matches_the_binomial_tail(int successes, int trials, double expected)
    {
        Assert.Equal(expected, Stats.SignTestUpperTail(successes, trials), 12);
    }

    [Fact]
    public void Sign_test_stays_finite_for_many_trials()
    {
        var p = Stats.SignTestUpperTail(3000, 5000);
        Assert.InRange(p, 1e-300, 1e-40);
        Assert.Equal(0.5, Stats.SignTestUpperTail(50_000, 99_999), 6);
    }
}
