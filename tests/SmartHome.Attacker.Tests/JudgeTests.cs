using MQTTnet;
using SmartHome.Contracts;

namespace SmartHome.Attacker.Tests;

public sealed class JudgeTests
{
    private static Decision Decision(string attemptId, string verdict, string? reason = null, double? value = null, string? messageId = null) =>
        new(1, messageId, attemptId, "temp-living", "smarthome/readings/temp-living", "temperature", verdict, reason, value, null, DateTimeOffset.UnixEpoch, null);

    private static PlannedAttempt Attempt(string id, params string[] preparatory) =>
        new(id, [.. preparatory.Select(p => new PlannedMessage("smarthome/keys/temp-living", [1], p)), new PlannedMessage("smarthome/readings/temp-living", [2], id)]);

    private static Dictionary<string, Decision> Log(params Decision[] decisions) =>
        decisions.ToDictionary(d => d.AttemptId!, StringComparer.Ordinal);

    [Fact]
    public void Applied_principal_message_is_a_success()
    {
        var verdict = Judge.Attempt(Attempt("a"), Log(Decision("a", "applied")), refusedBy: null, brokerEnforcesAcl: true);
        Assert.True(verdict.Succeeded);
        Assert.Null(verdict.BlockedBy);
    }

    [Fact]
    public void Applied_with_another_value_than_the_tampered_one_is_not_a_success()
    {
        var attempt = new PlannedAttempt("t", [new PlannedMessage("x", [1], "t")], ExpectedValue: 1021.5);
        Assert.True(Judge.Attempt(attempt, Log(Decision("t", "applied", value: 1021.5)), null, false).Succeeded);
        Assert.False(Judge.Attempt(attempt, Log(Decision("t", "applied", value: 21.5)), null, false).Succeeded);
    }

    [Theory]
    [InlineData("bad-signature", "signature")]
    [InlineData("unknown-key", "signature")]
    [InlineData("unknown-sender", "signature")]
    [InlineData("gcm-tag", "gcm-tag")]
    [InlineData("replay", "replay-window")]
    [InlineData("stale", "replay-window")]
    [InlineData("malformed", "parser")]
    [InlineData("oversize", "parser")]
    [InlineData("wrong-topic", "topic-binding")]
    [InlineData("sender-mismatch", "topic-binding")]
    [InlineData("rate-limited", "rate-limit")]
    [InlineData("not-permitted", "authorization")]
    [InlineData("implausible", "plausibility")]
    [InlineData("duplicate", "redelivery-filter")]
    [InlineData("unexpected-topic", "topic-binding")]
    public void Rejection_reasons_map_to_the_layer_that_stopped_the_attempt(string reason, string layer)
    {
        Assert.Equal(layer, Layers.FromRejectReason(reason));
        var verdict = Judge.Attempt(Attempt("a"), Log(Decision("a", "rejected", reason)), null, true);
        Assert.False(verdict.Succeeded);
        Assert.Equal(layer, verdict.BlockedBy);
    }

    [Fact]
    public void The_first_rejected_message_of_an_attempt_names_the_layer()
    {
        var log = Log(Decision("a:key", "rejected", "replay"), Decision("a", "rejected", "unknown-key"));
        Assert.Equal(Layers.ReplayWindow, Judge.Attempt(Attempt("a", "a:key"), log, null, true).BlockedBy);
    }

    [Fact]
    public void A_refused_connection_is_blocked_by_the_layer_that_refused_it()
    {
        Assert.Equal(Layers.BrokerAuth, Judge.Attempt(Attempt("a"), Log(), Layers.BrokerAuth, true).BlockedBy);
        Assert.Equal(Layers.Tls, Judge.Attempt(Attempt("a"), Log(), Layers.Tls, true).BlockedBy);
    }

    [Fact]
    public void A_message_the_actuator_never_saw_is_blocked_by_the_acl_on_an_authenticated_broker()
    {
        Assert.Equal(Layers.Acl, Judge.Attempt(Attempt("a"), Log(), null, brokerEnforcesAcl: true).BlockedBy);
        Assert.Equal(Layers.NotDelivered, Judge.Attempt(Attempt("a"), Log(), null, brokerEnforcesAcl: false).BlockedBy);
        var refused = Attempt("b");
        refused.Acks["b"] = MqttClientPublishReasonCode.NotAuthorized;
        Assert.Equal(Layers.Acl, Judge.Attempt(refused, Log(), null, brokerEnforcesAcl: false).BlockedBy);
    }

    [Fact]
    public void A_publish_the_broker_never_acknowledged_is_not_judged()
    {
        var lost = Attempt("c");
        lost.Acks["c"] = null;
        Assert.False(Judge.Attempt(lost, Log(), null, brokerEnforcesAcl: true).Judged);
        lost.Acks["c"] = MqttClientPublishReasonCode.Success;
        Assert.Equal(Layers.Acl, Judge.Attempt(lost, Log(), null, brokerEnforcesAcl: true).BlockedBy);
    }

    [Fact]
    public void Eavesdrop_succeeds_only_with_the_exact_value_the_actuator_applied()
    {
        var applied = new Dictionary<string, Decision> { ["m1"] = Decision("-", "applied", value: 21.25, messageId: "m1") };
        Assert.True(Judge.Eavesdrop("m1", applied, new Dictionary<string, double> { ["m1"] = 21.25 }, null, false, false).Succeeded);
        Assert.False(Judge.Eavesdrop("m1", applied, new Dictionary<string, double> { ["m1"] = 21.5 }, null, false, false).Succeeded);
        Assert.Equal(Layers.Encryption, Judge.Eavesdrop("m1", applied, new Dictionary<string, double>(), null, false, sawUnreadablePayloads: true).BlockedBy);
        Assert.Equal(Layers.Acl, Judge.Eavesdrop("m1", applied, new Dictionary<string, double>(), null, subscriptionRefused: true, false).BlockedBy);
        Assert.Equal(Layers.BrokerAuth, Judge.Eavesdrop("m1", applied, new Dictionary<string, double>(), Layers.BrokerAuth, false, false).BlockedBy);
        Assert.False(Judge.Eavesdrop("m2", applied, new Dictionary<string, double>(), null, false, false).Judged);
    }

    [Fact]
    public void Takeover_succeeds_when_the_actuator_never_logged_the_marker()
    {
        Assert.True(Judge.Takeover("m", Log(), null, secureBroker: false).Succeeded);
        Assert.Equal(Layers.ClientIdBinding, Judge.Takeover("m", Log(Decision("m", "rejected", "malformed")), null, true).BlockedBy);
        Assert.Equal(Layers.BrokerAuth, Judge.Takeover("m", Log(), Layers.BrokerAuth, true).BlockedBy);
    }

    [Fact]
    public void Percentile_is_nearest_rank()
    {
        var values = Enumerable.Range(1, 100).Select(i => (double)i).Reverse().ToList();
        Assert.Equal(99, Judge.Percentile(values, 99));
        Assert.Equal(50, Judge.Percentile(values, 50));
        Assert.Null(Judge.Percentile([], 99));
    }

    [Fact]
    public void Campaign_requests_are_validated()
    {
        Assert.True(CampaignRunner.TryCreateRequest(null, null, out var all, out _));
        Assert.Equal(100, all.Attempts);
        Assert.Equal(Attacks.All, all.Attacks);
        Assert.True(CampaignRunner.TryCreateRequest(5, "inject, replay-after-restart", out var two, out _));
        Assert.Equal(["inject", "replay-after-restart"], two.Attacks);
        Assert.False(CampaignRunner.TryCreateRequest(0, null, out _, out _));
        Assert.False(CampaignRunner.TryCreateRequest(10, "inject,teleport", out _, out var error));
        Assert.Contains("teleport", error, StringComparison.Ordinal);
        Assert.False(CampaignRunner.TryCreateRequest(10, null, out _, out _, floodMessages: 1_000_000));
    }

    [Fact]
    public void A_campaign_request_may_pick_capability_levels_and_defaults_to_all_three()
    {
        Assert.True(CampaignRunner.TryCreateRequest(5, "inject", out var all, out _));
        Assert.Equal([AttackLevel.Outsider, AttackLevel.Insider, AttackLevel.CompromisedBroker], all.Levels);
        Assert.True(CampaignRunner.TryCreateRequest(5, "inject", out var one, out _, levels: "insider"));
        Assert.Equal([AttackLevel.Insider], one.Levels);
        Assert.True(CampaignRunner.TryCreateRequest(5, "inject", out var two, out _, levels: "compromised-broker, outsider,outsider"));
        Assert.Equal([AttackLevel.CompromisedBroker, AttackLevel.Outsider], two.Levels);
        Assert.False(CampaignRunner.TryCreateRequest(5, "inject", out _, out var error, levels: "insider,god"));
        Assert.Contains("god", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_flood_only_targets_loopback()
    {
        Assert.True(BrokerTarget.Parse("mqtt://localhost:1883", null).IsLoopback);
        Assert.True(BrokerTarget.Parse("mqtts://127.0.0.1:8883", null).IsLoopback);
        Assert.False(BrokerTarget.Parse("mqtt://broker.example.org:1883", null).IsLoopback);
        Assert.False(BrokerTarget.Parse("mqtt://10.0.0.5:1883", null).IsLoopback);
    }
}
