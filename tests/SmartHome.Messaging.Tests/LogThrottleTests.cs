using SmartHome.Actuator;

namespace SmartHome.Messaging.Tests;

public sealed class LogThrottleTests
{
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void Lets_the_budget_through_each_second_and_reports_what_it_held_back()
    {
        var clock = new ManualClock(new DateTimeOffset(2026, 11, 25, 4, 0, 0, TimeSpan.Zero));
        var throttle = new LogThrottle(3, clock);

        var admitted = Enumerable.Range(0, 10).Count(i => throttle.TryEnter(out var held));
        Assert.Equal(3, admitted);

        clock.Now = clock.Now.AddSeconds(1);
        Assert.True(throttle.TryEnter(out var suppressed));
        Assert.Equal(7, suppressed);
        Assert.True(throttle.TryEnter(out suppressed));
        Assert.Equal(0, suppressed);
    }
}

public sealed class StringReuseTests
{
    [Fact]
    public void Equal_strings_come_back_as_the_first_instance_and_different_ones_pass_through()
    {
        var reuse = new StringReuse();
        var first = new string("smarthome/readings/temp-living".AsSpan());
        var second = new string("smarthome/readings/temp-living".AsSpan());
        Assert.NotSame(first, second);
        Assert.Same(first, reuse.Reuse(first));
        Assert.Same(first, reuse.Reuse(second));
        Assert.Equal("other", reuse.Reuse("other"));
        Assert.Null(reuse.Reuse(null));
    }
}
