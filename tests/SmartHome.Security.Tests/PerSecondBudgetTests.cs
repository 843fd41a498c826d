namespace SmartHome.Security.Tests;

public sealed class PerSecondBudgetTests
{
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 25, 4, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Grants_the_budget_each_second_and_reports_what_it_refused()
    {
        var budget = new PerSecondBudget(3, _clock);

        var granted = Enumerable.Range(0, 10).Count(i => budget.TrySpend(out var _));
        Assert.Equal(3, granted);

        _clock.Now = _clock.Now.AddSeconds(1);
        Assert.True(budget.TrySpend(out var refused));
        Assert.Equal(7L, refused);
        Assert.True(budget.TrySpend(out refused));
        Assert.Equal(0L, refused);
    }

    [Fact]
    public void Spending_past_the_budget_closes_it_until_the_next_second()
    {
        var budget = new PerSecondBudget(2, _clock);
        Assert.True(budget.HasRoom());
        budget.Spend();
        budget.Spend();
        budget.Spend();
        Assert.False(budget.HasRoom());
        Assert.False(budget.TrySpend(out _));

        // Windows are whole seconds of the clock: still closed at .999, open again at the next second.
        _clock.Now = _clock.Now.AddMilliseconds(999);
        Assert.False(budget.HasRoom());
        _clock.Now = _clock.Now.AddMilliseconds(1);
        Assert.True(budget.HasRoom());
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerSecondBudget(0, _clock));
    }
}
