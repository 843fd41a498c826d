using SmartHome.Contracts;

namespace SmartHome.Attacker.Tests;

public sealed class FloodRequestTests
{
    [Fact]
    public void Defaults_are_5000_per_second_for_a_minute_of_forged_messages_as_the_compromised_broker()
    {
        Assert.True(FloodRequest.TryCreate(null, null, null, null, out var request, out var error), error);
        Assert.Equal(5000, request.RatePerSecond);
        Assert.Equal(60, request.Seconds);
        Assert.Equal(AttackLevel.CompromisedBroker, request.Level);
        Assert.Equal([new FloodShare(FloodKinds.Forged, 1)], request.Mix);
        Assert.Equal(300_000, request.PlannedMessages);
    }

    [Theory]
    [InlineData(0.5, 10)]
    [InlineData(50_001, 10)]
    [InlineData(100, 0)]
    [InlineData(100, 3_601)]
    public void Rate_and_seconds_are_bounded(double rate, int seconds) =>
        Assert.False(FloodRequest.TryCreate(rate, seconds, null, null, out _, out _));

    [Theory]
    [InlineData(1, 1)]
    [InlineData(50_000, 3_600)]
    public void Bounds_are_inclusive(double rate, int seconds)
    {
        Assert.True(FloodRequest.TryCreate(rate, seconds, null, null, out var request, out _));
        Assert.Equal((long)(rate * seconds), request.PlannedMessages);
    }

    [Theory]
    [InlineData("outsider", AttackLevel.Outsider)]
    [InlineData("insider", AttackLevel.Insider)]
    [InlineData("compromised-broker", AttackLevel.CompromisedBroker)]
    [InlineData("Compromised-Broker", AttackLevel.CompromisedBroker)]
    public void Levels(string text, AttackLevel expected)
    {
        Assert.True(FloodRequest.TryCreate(100, 1, text, null, out var request, out _));
        Assert.Equal(expected, request.Level);
    }

    [Fact]
    public void An_unknown_level_is_refused() => Assert.False(FloodRequest.TryCreate(100, 1, "god", null, out _, out _));
}

public sealed class FloodSharesTests
{
    [Fact]
    public void A_plain_list_gives_equal_weights()
    {
        Assert.True(FloodShares.TryParse("forged,malformed,oversized,replay", out var shares, out var error), error);
        Assert.Equal(["forged", "malformed", "oversized", "replay"], shares.Select(s => s.Kind));
        Assert.All(shares, s => Assert.Equal(1, s.Weight));
        Assert.Equal("forged,malformed,oversized,replay", FloodShares.Format(shares));
    }

    [Fact]
    public void Weights_and_repeats_add_up()
    {
        Assert.True(FloodShares.TryParse(" forged:10 , malformed:1, forged:2", out var shares, out _));
        Assert.Equal([new FloodShare("forged", 12), new FloodShare("malformed", 1)], shares);
        Assert.Equal("forged:12,malformed:1", FloodShares.Format(shares));
    }

    [Theory]
    [InlineData("plasma")]
    [InlineData("forged:0")]
    [InlineData("forged:x")]
    [InlineData("forged:1001")]
    [InlineData(",,")]
    public void Bad_mixes_are_refused(string mix) => Assert.False(FloodShares.TryParse(mix, out _, out _));

    [Fact]
    public void The_schedule_follows_the_weights_and_interleaves_the_kinds()
    {
        var schedule = FloodShares.Schedule([new FloodShare("forged", 3), new FloodShare("malformed", 1)], 1024);
        Assert.Equal(768, schedule.Count(k => k == "forged"));
        Assert.Equal(256, schedule.Count(k => k == "malformed"));
        // Smooth round robin: never more than 3 forged in a row.
        var run = 0;
        foreach (var kind in schedule)
        {
            run = kind == "forged" ? run + 1 : 0;
            Assert.True(run <= 3);
        }
    }

    [Fact]
    public void Every_window_of_the_pool_carries_each_kind()
    {
        var schedule = FloodShares.Schedule([new FloodShare("forged", 1), new FloodShare("malformed", 1), new FloodShare("oversized", 1),
            new FloodShare("replay", 1)], 1024);
        for (var i = 0; i + 4 <= schedule.Length; i += 4)
        {
            Assert.Equal(4, schedule.Skip(i).Take(4).Distinct().Count());
        }
    }
}

public sealed class FloodPacerTests
{
    [Theory]
    [InlineData(0, 5000, 0)]
    [InlineData(0.001, 5000, 5)]
    [InlineData(0.0015, 5000, 7)]
    [InlineData(1, 5000, 5000)]
    [InlineData(600, 5000, 3_000_000)]
    [InlineData(0.5, 3, 1)]
    public void Due_is_rate_times_elapsed_rounded_down(double seconds, double rate, long expected) =>
        Assert.Equal(expected, FloodPacer.DueBy(TimeSpan.FromSeconds(seconds), rate, long.MaxValue));

    [Fact]
    public void Due_never_exceeds_the_total() => Assert.Equal(100, FloodPacer.DueBy(TimeSpan.FromSeconds(10), 5000, 100));

    [Theory]
    [InlineData(5000, 50)]
    [InlineData(50_000, 500)]
    [InlineData(1, 1)]
    [InlineData(150, 2)]
    public void A_batch_is_at_most_10_ms_worth(double rate, int expected) => Assert.Equal(expected, FloodPacer.MaxBatch(rate));

    [Theory]
    [InlineData(10, 5, 50, 5)]
    [InlineData(500, 5, 50, 50)]
    [InlineData(5, 10, 50, 0)]
    public void Batch_sends_what_is_due_up_to_the_cap(long due, long attempted, int max, int expected) =>
        Assert.Equal(expected, FloodPacer.Batch(due, attempted, max));

    [Fact]
    public void Ticks_of_any_length_add_up_to_the_exact_count()
    {
        // Irregular ticks (0.3..2.9 ms) for 3 s at 5,000/s: what the loop sends equals rate × seconds.
        const double rate = 5000;
        var total = (long)(rate * 3);
        var max = FloodPacer.MaxBatch(rate);
        var random = new Random(3);
        var elapsed = TimeSpan.Zero;
        long attempted = 0;
        while (attempted < total)
        {
            elapsed += TimeSpan.FromMilliseconds(0.3 + random.NextDouble() * 2.6);
            var pastDeadline = elapsed >= TimeSpan.FromSeconds(3);
            if (pastDeadline && FloodPacer.StopAtDeadline(attempted, total, max))
            {
                break;
            }

            var due = pastDeadline ? total : FloodPacer.DueBy(elapsed, rate, total);
            attempted += FloodPacer.Batch(due, attempted, max);
            Assert.InRange(FloodPacer.DueBy(elapsed, rate, total) - attempted, 0, max);
        }

        Assert.Equal(total, attempted);
    }

    [Fact]
    public void At_the_deadline_a_flood_more_than_one_batch_behind_stops()
    {
        Assert.True(FloodPacer.StopAtDeadline(attempted: 1000, total: 5000, maxBatch: 50));
        Assert.False(FloodPacer.StopAtDeadline(attempted: 4960, total: 5000, maxBatch: 50));
    }
}
