using SmartHome.AppHost.Supervision;

namespace SmartHome.IntegrationTests;

/// <summary>The restart policy's arithmetic and validation, without an app.</summary>
public sealed class RestartPolicyTests
{
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void The_backoff_doubles_per_crash_within_the_window_up_to_the_maximum()
    {
        var policy = new RestartPolicy { InitialBackoff = TimeSpan.FromSeconds(1), BackoffMultiplier = 2, MaxBackoff = TimeSpan.FromSeconds(5) };
        Assert.Equal([1, 2, 4, 5, 5], Enumerable.Range(1, 5).Select(n => policy.BackoffFor(n).TotalSeconds));
    }

    [Fact]
    public void The_Nth_crash_within_the_window_is_a_crash_loop_and_older_crashes_are_forgotten()
    {
        var clock = new ManualClock(DateTimeOffset.Parse("2026-11-27T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var detector = new CrashLoopDetector(new RestartPolicy { CrashLoopCrashes = 3, CrashLoopWindow = TimeSpan.FromSeconds(60) }, clock);

        Assert.False(detector.OnCrash().IsCrashLoop);
        clock.Now += TimeSpan.FromSeconds(61); // the first one leaves the window
        var second = detector.OnCrash();
        Assert.False(second.IsCrashLoop);
        Assert.Equal(1, second.CrashesInWindow);
        clock.Now += TimeSpan.FromSeconds(10);
        Assert.False(detector.OnCrash().IsCrashLoop);
        clock.Now += TimeSpan.FromSeconds(10);
        var third = detector.OnCrash();
        Assert.True(third.IsCrashLoop);
        Assert.Equal("3 crashes within 60 s; not restarted again until cleared", third.Reason);

        detector.Reset();
        Assert.False(detector.OnCrash().IsCrashLoop);
    }

    [Theory]
    [InlineData(-1, 2, 30, 5, 120, "InitialBackoff")]
    [InlineData(1, 0.5, 30, 5, 120, "BackoffMultiplier")]
    [InlineData(10, 2, 5, 5, 120, "MaxBackoff")]
    [InlineData(1, 2, 30, 0, 120, "CrashLoopCrashes")]
    [InlineData(1, 2, 30, 5, 0, "CrashLoopWindow")]
    public void A_policy_that_cannot_work_is_refused_with_the_setting_named(double initial, double multiplier, double max, int crashes, double window, string setting)
    {
        var policy = new RestartPolicy
        {
            InitialBackoff = TimeSpan.FromSeconds(initial),
            BackoffMultiplier = multiplier,
            MaxBackoff = TimeSpan.FromSeconds(max),
            CrashLoopCrashes = crashes,
            CrashLoopWindow = TimeSpan.FromSeconds(window),
        };
        var problem = Assert.Single(policy.Problems());
        Assert.Contains($"Supervision:{setting}", problem);
        Assert.Contains(setting, Assert.Throws<ArgumentException>(() => policy.Validated()).Message);
    }

    [Fact]
    public void The_default_policy_is_valid() => Assert.Empty(new RestartPolicy().Problems());
}
