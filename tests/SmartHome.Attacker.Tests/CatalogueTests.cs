namespace SmartHome.Attacker.Tests;

public sealed class CatalogueTests
{
    /// <summary>The campaign's order is part of its output (results, reports, RESULTS.md): it must not move.</summary>
    [Fact]
    public void The_catalogue_runs_every_attack_once_in_the_campaigns_order()
    {
        string[] expected =
        [
            "eavesdrop", "inject", "tamper", "replay", "replay-cross-topic", "key-substitution", "downgrade", "wildcard-subscribe",
            "credential-guessing", "client-id-takeover", "retained-poisoning", "malformed", "oversized", "flood",
            "capability-abuse", "implausible-value", "announcement-flood", "ack-forgery", "suite-downgrade",
        ];

        Assert.Equal(expected, AttackCatalogue.All.Select(a => a.Name));
        Assert.Equal(expected, Attacks.All);
    }

    [Fact]
    public void Every_name_finds_its_attack_and_replay_after_restart_is_known_but_not_in_the_catalogue()
    {
        Assert.All(Attacks.All, name => Assert.Equal(name, AttackCatalogue.Find(name)?.Name));
        Assert.Null(AttackCatalogue.Find(Attacks.ReplayAfterRestart));
        Assert.Null(AttackCatalogue.Find("teleport"));
        Assert.True(Attacks.IsKnown(Attacks.ReplayAfterRestart));
        Assert.Equal(Attacks.ReplayAfterRestart, ReplayAttack.AfterRestart.Name);
    }

    [Fact]
    public void Only_the_attacks_that_replay_or_alter_legit_traffic_need_captures()
    {
        var needing = AttackCatalogue.All.Where(a => a.NeedsCaptures).Select(a => a.Name);
        Assert.Equal([Attacks.Tamper, Attacks.Replay, Attacks.ReplayCrossTopic, Attacks.SuiteDowngrade], needing);
        Assert.True(((IAttack)ReplayAttack.AfterRestart).NeedsCaptures);
    }
}
