namespace SmartHome.Console.Tests;

/// <summary>What an attack control's press asks for, checked before anything is sent to an attacker.</summary>
public sealed class AttackPlanTests
{
    private static readonly Homes Both = new(["insecure", "secure"]);

    [Fact]
    public void One_attack_at_one_level_against_both_homes()
    {
        Assert.True(AttackPlan.TryCreate(Both, "insecure,secure", "inject", "outsider", 5, 10, out var plan, out _));
        Assert.Equal(["insecure", "secure"], plan.Pipelines);
        Assert.Equal(["inject"], plan.Attacks);
        Assert.Equal(["outsider"], plan.Levels);
        Assert.Equal(5, plan.Attempts);
        Assert.False(plan.IsCampaign);
        Assert.Equal("inject at the outsider level, 5 attempts each, against the insecure and secure homes", plan.Describe());
    }

    [Fact]
    public void No_attack_is_the_whole_campaign_at_every_level_with_the_default_attempts()
    {
        Assert.True(AttackPlan.TryCreate(Both, "secure", null, null, null, 10, out var plan, out _));
        Assert.True(plan.IsCampaign);
        Assert.Equal(AttackPlan.AllLevels, plan.Levels);
        Assert.Equal(10, plan.Attempts);
        Assert.Equal("the whole attack campaign at every capability level, 10 attempts each, against the secure home", plan.Describe());
    }

    [Theory]
    [InlineData(null, "inject", "outsider", 5, "choose the home")]
    [InlineData("kitchen", "inject", "outsider", 5, "choose the home")]
    [InlineData("insecure", "inject", "god", 5, "unknown capability level")]
    [InlineData("insecure", "inject", "outsider", 0, "attempts must be")]
    [InlineData("insecure", "inject", "outsider", 1001, "attempts must be")]
    [InlineData("insecure", "replay-after-restart", "outsider", 5, "dashboard command")]
    public void A_bad_press_is_refused_with_a_sentence(string? homes, string attacks, string levels, int attempts, string expected)
    {
        Assert.False(AttackPlan.TryCreate(Both, homes, attacks, levels, attempts, 10, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_home_that_is_not_running_in_this_app_cannot_be_attacked()
    {
        var secureOnly = new Homes(["secure"]);
        Assert.False(AttackPlan.TryCreate(secureOnly, "insecure", "inject", "outsider", 5, 10, out _, out _));
    }
}
