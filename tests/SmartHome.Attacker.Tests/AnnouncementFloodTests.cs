using MQTTnet;
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
            ["a"] = Decision("a", "applied", null, Second.AddMilliseconds(600)),
            ["b"] = Decision("b", "rejected", "bad-key", Second.AddMilliseconds(700)),
            ["c"] = Decision("c", "rejected", "bad-signature", Second.AddMilliseconds(900)),
            ["d"] = Decision("d", "applied", null, Second.AddMilliseconds(1600)),
        };

        var verdicts = AnnouncementFloodAttack.Verdicts(attempts, decisions, refusedBy: null, secure: true, perSecond: 2);

        Assert.Equal([Verdict.Blocked(Layers.AnnouncementBudget), Verdict.Blocked(Layers.AnnouncementBudget), Verdict.Success,
            Verdict.Blocked(Layers.AnnouncementBudget)], verdicts);
    }

    [Fact]
    public void A_decision_recorded_just_after_a_boundary_may_have_spent_the_second_before_and_is_no_success()
    {
        // The budget is spent before the public-key work and the decision recorded after it: a boundary can fall in between.
        PlannedAttempt[] attempts = [Sent("a"), Sent("b"), Sent("c"), Sent("d"), Sent("e")];
        var decisions = new Dictionary<string, Decision>(StringComparer.Ordinal)
        {
            ["a"] = Decision("a", "applied", null, Second.AddMilliseconds(600)),
            ["b"] = Decision("b", "applied", null, Second.AddMilliseconds(1001)),
            ["c"] = Decision("c", "applied", null, Second.AddMilliseconds(1002)),
            ["d"] = Decision("d", "applied", null, Second.AddMilliseconds(1300)),
            ["e"] = Decision("e", "applied", null, Second.AddMilliseconds(1400)),
        };

        var verdicts = AnnouncementFloodAttack.Verdicts(attempts, decisions, refusedBy: null, secure: true, perSecond: 2);

        // a and b fit the first second, c and d the next; e fits no second's budget, whichever second b spent.
        Assert.Equal([Verdict.Blocked(Layers.AnnouncementBudget), Verdict.Blocked(Layers.AnnouncementBudget),
            Verdict.Blocked(Layers.AnnouncementBudget), Verdict.Blocked(Layers.AnnouncementBudget), Verdict.Success], verdicts);
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
