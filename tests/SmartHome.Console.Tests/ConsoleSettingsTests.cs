using Microsoft.Extensions.Configuration;

namespace SmartHome.Console.Tests;

/// <summary>The console's settings, which homes it shows, and the row budget that keeps a flood from drowning the page.</summary>
public sealed class ConsoleSettingsTests
{
    [Fact]
    public void The_defaults_are_valid() => Assert.Empty(new ConsoleOptions().Problems());

    [Fact]
    public void Each_bad_setting_is_named_in_one_sentence()
    {
        var problems = new ConsoleOptions { DashboardUrl = "ftp://x", Attempts = 0, AnnouncementFloodSeconds = 0, DecisionRowsPerSecond = 0 }.Problems();
        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Console:DashboardUrl", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Console:Attempts", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5123/", true)]
    [InlineData("http://localhost:5123", true)]
    [InlineData("http://192.0.2.2:5123/", false)]
    [InlineData("https://127.0.0.1:5123/", false)]
    [InlineData("not a url", false)]
    public void The_pipeline_control_surface_must_be_on_this_machine(string url, bool valid) =>
        Assert.Equal(valid, new ConsoleOptions { PipelineControlUrl = url }.Problems().Count == 0);

    [Fact]
    public void The_homes_are_the_pipelines_whose_actuator_was_referenced()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["services:secure-actuator:http:0"] = "http://localhost:5001",
            ["services:insecure-sensor:http:0"] = "http://localhost:5002",
        }).Build();

        Assert.Equal(["secure"], Homes.FromConfiguration(configuration).Pipelines);
    }

    [Fact]
    public void The_row_budget_refuses_rows_past_its_rate_counts_them_and_refills_each_second()
    {
        var clock = new ManualClock();
        var budget = new RowBudget(2, clock);

        Assert.True(budget.TrySpend());
        Assert.True(budget.TrySpend());
        Assert.False(budget.TrySpend());
        Assert.False(budget.TrySpend());
        Assert.Equal(2, budget.TakeSkipped());
        Assert.Equal(0, budget.TakeSkipped());

        clock.Now += TimeSpan.FromSeconds(1);
        Assert.True(budget.TrySpend());
    }

    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2026, 11, 28, 2, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
