using MQTTnet;
using SmartHome.Attacker;
using SmartHome.Contracts;

namespace SmartHome.Attacker.Tests;

public sealed class AnnouncementFloodTests
{
    private static readonly DateTimeOffset Second = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static PlannedAttempt Sent(string id, MqttClientPublishReasonCode? ack = MqttClientPublishReasonCode.Success)
    {
        var attempt = new PlannedAttempt(id, [new PlannedMessage("smarthome/keys/temp-living", [1], id)]);
        attempt.Acks[id] = ack;
        return attempt;
    }

    private static Decision Decision(string id, string verdict, string? reason, DateTimeOffset at) =>
        new(1, null, id, "temp-living", "smarthome/keys/temp-living", "key", verdict, reason, null, null, at, null);

    [Fact]
    public void Public_key_work_within_the_budget_of_each_second_is_blocked_and_beyond_it_is_a_success()
    {
        PlannedAttempt[] attempts = [Sent("a"), Sent("b"), Sent("c"), Sent("d")];
        var decisions = new Dictionary<string, Decision>(StringComparer.Ordinal)
        {
            ["a"] = Decision("a", "applied", null, Second),
            ["b"] = Decision("b", "rejected", "bad-key", Second.AddMilliseconds(500)),
            ["c"] = Decision("c", "rejected", "bad-signature", Second.AddMilliseconds(900)),
            ["d"] = Decision("d", "applied", null, Second.AddSeconds(1)),
        };

        var verdicts = AnnouncementFloodAttack.Verdicts(attempts, decisions, refusedBy: null, secure: true, perSecond: 2);

        Assert.Equal([Verdict.Blocked(Layers.AnnouncementBudget), Verdict.Blocked(Layers.AnnouncementBudget), Verdict.Success,
            Verdict.Blocked(Layers.AnnouncementBudget)], verdicts);
    }

    [Fact]
    public void Refused_before_any_work_or_never_delivered_is_blocked_by_the_layer_that_stopped_it()
    {
        PlannedAttempt[] attempts = [Sent("limited"), Sent("lost", ack: null), Sent("acked")];
        var decisions = new Dictionary<string, Decision>(StringComparer.Ordinal) { ["limited"] = Decision("limited", "rejected", "rate-limited", Second) };

        Assert.Equal([Verdict.Blocked(Layers.RateLimit), Verdict.Blocked(Layers.ClientIdBinding), Verdict.Blocked(Layers.Acl)],
            AnnouncementFloodAttack.Verdicts(attempts, decisions, null, secure: true, perSecond: 5));
        Assert.Equal(Layers.NotDelivered, AnnouncementFloodAttack.Verdicts(attempts, decisions, null, secure: false, perSecond: 5)[1].BlockedBy);
        Assert.Equal(Layers.BrokerAuth, AnnouncementFloodAttack.Verdicts(attempts, decisions, Layers.BrokerAuth, true, 5)[1].BlockedBy);
        Assert.All(AnnouncementFloodAttack.Verdicts(attempts, null, null, true, 5), v => Assert.False(v.Judged));
    }
}
