using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using SmartHome.Contracts;
using SmartHome.Security;
using SmartHome.ServiceDefaults;
using Attr = SmartHome.ServiceDefaults.SmartHomeTelemetry.Attributes;

namespace SmartHome.Attacker.Tests;

public sealed class IdentityTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("attacker-identities-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static CampaignSettings Settings(string pipeline, AttackerSecrets secrets) =>
        new(pipeline, BrokerTarget.Parse("mqtt://localhost:1883", null), secrets);

    [Fact]
    public void Each_level_connects_as_its_own_identity()
    {
        var identities = new AttackerIdentities(Settings("insecure", AttackerSecrets.None));

        var outsider = identities.ForLevel(AttackLevel.Outsider, "inject");
        Assert.Null(outsider.Username);
        Assert.Equal("plug-garage", identities.ForLevel(AttackLevel.Insider, "inject").Username);
        Assert.Equal("monitor", identities.ForLevel(AttackLevel.CompromisedBroker, "inject").Username);
        Assert.StartsWith("attacker-inject-", outsider.ClientId, StringComparison.Ordinal);
        Assert.Equal(40, outsider.ClientId.Length);
        Assert.NotEqual(outsider.ClientId, identities.ForLevel(AttackLevel.Outsider, "inject").ClientId);
    }

    [Fact]
    public void Passwords_are_sent_only_on_the_secure_pipeline_and_read_once_per_campaign()
    {
        var file = Path.Combine(_folder, "monitor.password");
        BrokerPasswords.WritePasswordFile(file, "first-password");
        var secrets = new AttackerSecrets(new Dictionary<string, string> { ["monitor"] = file }, null, null);

        Assert.Null(new AttackerIdentities(Settings("insecure", secrets)).ForLevel(AttackLevel.CompromisedBroker, "x").Password);

        var secure = new AttackerIdentities(Settings("secure", secrets));
        Assert.Equal("first-password", secure.ForLevel(AttackLevel.CompromisedBroker, "x").Password);
        BrokerPasswords.WritePasswordFile(file, "second-password");
        Assert.Equal("first-password", secure.Password("monitor"));
        // A password the attacker does not hold: it connects without one (and is refused).
        Assert.Null(secure.ForLevel(AttackLevel.Insider, "x").Password);
    }

    [Fact]
    public void The_control_connection_is_the_monitor_only_on_the_secure_pipeline()
    {
        var insecure = new AttackerIdentities(Settings("insecure", AttackerSecrets.None)).Control("run1");
        Assert.Null(insecure.Username);
        Assert.Equal("attacker-control-run1", insecure.ClientId);
        Assert.Equal("monitor", new AttackerIdentities(Settings("secure", AttackerSecrets.None)).Control("run1").Username);
    }

    [Fact]
    public void Each_level_writes_readings_where_its_acl_lets_it()
    {
        Assert.Equal("smarthome/readings/plug-garage", Targets.WritableReadingTopic(AttackLevel.Insider));
        Assert.Equal("smarthome/readings/temp-living", Targets.WritableReadingTopic(AttackLevel.Outsider));
        Assert.Equal("smarthome/readings/temp-living", Targets.WritableReadingTopic(AttackLevel.CompromisedBroker));
    }
}

public sealed class ForgeryValuesTests
{
    [Fact]
    public void The_observed_key_id_is_the_latest_data_envelope_of_that_device()
    {
        Capture Data(string device, uint keyId) => new($"smarthome/readings/{device}", EnvelopeForge.UnsignedData(device, keyId, 1, 1, 16));
        var captures = new List<Capture>
        {
            Data("temp-living", 7),
            Data("door-front", 8),
            Data("temp-living", 9),
            new("smarthome/readings/temp-living", "{\"not\":\"an envelope\"}"u8.ToArray()),
        };

        Assert.Equal(9u, ForgeryValues.ObservedKeyId(captures, "temp-living"));
        Assert.Equal(8u, ForgeryValues.ObservedKeyId(captures, "door-front"));
        Assert.Null(ForgeryValues.ObservedKeyId(captures, "smoke-kitchen"));
        Assert.Null(ForgeryValues.ObservedKeyId(null, "temp-living"));
    }

    [Fact]
    public void Fresh_counters_are_above_anything_a_real_sender_used_and_distinct_per_attempt()
    {
        var first = ForgeryValues.FreshCounter(0);
        Assert.True(first > 1UL << 40);
        Assert.True(ForgeryValues.FreshCounter(5) >= first + 5);
        Assert.NotEqual(0u, ForgeryValues.RandomKeyId());
    }
}

public sealed class AttackResultsTests
{
    [Fact]
    public void A_summary_counts_successes_unjudged_attempts_and_the_layers_that_blocked_the_rest()
    {
        Verdict[] verdicts =
        [
            Verdict.Success, Verdict.Blocked(Layers.Signature), Verdict.Blocked(Layers.Signature), Verdict.Blocked(Layers.Acl), Verdict.Unknown,
            new Verdict(false, null),
        ];

        var result = AttackResults.Summarize("secure", Attacks.Inject, AttackLevel.Insider, verdicts, "notes");

        Assert.Equal(("secure", "inject", "insider", 6, 1, 1), (result.Pipeline, result.Attack, result.Level, result.Attempts, result.Succeeded, result.Unjudged));
        Assert.Equal(new Dictionary<string, int> { ["signature"] = 2, ["acl"] = 1, ["unknown"] = 1 }, result.BlockedBy);
        Assert.Equal("notes", result.Notes);
    }

    [Fact]
    public void A_skipped_attack_has_no_attempts_and_says_why()
    {
        var result = AttackResults.Skipped("insecure", Attacks.CredentialGuessing, AttackLevel.CompromisedBroker, "not applicable: why");
        Assert.Equal((0, "compromised-broker", "not applicable: why"), (result.Attempts, result.Level, result.Notes));
    }
}

public sealed class AttemptJudgeTests
{
    [Fact]
    public async Task Verdicts_follow_the_victims_log_and_the_refusal_of_each_attempts_own_connection()
    {
        var settings = new CampaignSettings("secure", BrokerTarget.Parse("mqtts://localhost:8883", null), AttackerSecrets.None);
        using var http = new HttpClient { BaseAddress = new Uri("http://localhost:1") };
        await using var context = new AttackContext(settings, new Victim(http, null), NullLogger.Instance);
        PlannedAttempt Attempt(string id) => new(id, [new PlannedMessage("smarthome/readings/temp-living", [1], id)]);
        var applied = new Decision(1, null, "a", "temp-living", "t", "temperature", "applied", null, 15, null, DateTimeOffset.UnixEpoch, null);
        var decisions = new Dictionary<string, Decision>(StringComparer.Ordinal) { ["a"] = applied };
        SentAttempt[] sent = [new(Attempt("a"), null, null), new(Attempt("b"), null, Layers.BrokerAuth), new(Attempt("c"), null, null)];

        var judged = context.Judge.Verdicts(Attacks.Inject, AttackLevel.Outsider, sent, decisions);
        var undrained = context.Judge.Verdicts(Attacks.Inject, AttackLevel.Outsider, sent, decisions: null);

        Assert.Equal([Verdict.Success, Verdict.Blocked(Layers.BrokerAuth), Verdict.Blocked(Layers.Acl)], judged);
        Assert.All(undrained, v => Assert.False(v.Judged));
    }

    [Fact]
    public async Task Attempt_ids_carry_the_run_id_the_attack_and_a_sequence()
    {
        var settings = new CampaignSettings("insecure", BrokerTarget.Parse("mqtt://localhost:1883", null), AttackerSecrets.None);
        using var http = new HttpClient();
        await using var context = new AttackContext(settings, new Victim(http, null), NullLogger.Instance);

        Assert.Equal($"{context.RunId}-inject-1", context.NewAttemptId("inject"));
        Assert.Equal($"{context.RunId}-replay-2", context.NewAttemptId("replay"));
        Assert.Equal(8, context.RunId.Length);
    }
}

public sealed class AttackTelemetryTests
{
    [Fact]
    public void An_attempt_is_a_root_span_tagged_with_its_outcome_and_counted_once()
    {
        var attack = "test-" + Guid.NewGuid().ToString("N")[..8];
        var stopped = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == SmartHomeTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                if ((string?)a.GetTagItem(Attr.Attack) == attack)
                {
                    lock (stopped)
                    {
                        stopped.Add(a);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        var counted = new List<(long Value, Dictionary<string, object?> Tags)>();
        using var meters = new MeterListener();
        meters.InstrumentPublished = (instrument, l) =>
        {
            // By name: instruments are published while SmartHomeTelemetry's fields are still being initialized.
            if (instrument.Meter.Name == SmartHomeTelemetry.Name && instrument.Name == "smarthome.attack.attempts")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        meters.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            var map = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in tags)
            {
                map[tag.Key] = tag.Value;
            }

            if ((string?)map[Attr.Attack] == attack)
            {
                lock (counted)
                {
                    counted.Add((value, map));
                }
            }
        });
        meters.Start();
        var telemetry = new AttackTelemetry("secure", NullLogger.Instance);

        using var request = new Activity("POST /campaign").Start();
        var span = telemetry.StartAttempt(attack, AttackLevel.Insider, "run-1");
        Assert.Same(request, Activity.Current);
        telemetry.EndAttempt(span, attack, AttackLevel.Insider, Verdict.Blocked(Layers.Signature));

        var ended = Assert.Single(stopped);
        Assert.Equal($"attack {attack}", ended.DisplayName);
        Assert.Null(ended.Parent);
        Assert.Equal(ActivityKind.Producer, ended.Kind);
        Assert.Equal("insider", ended.GetTagItem(Attr.AttackLevel));
        Assert.Equal("run-1", ended.GetTagItem(Attr.AttemptId));
        Assert.Equal("secure", ended.GetTagItem(Attr.Pipeline));
        Assert.Equal("blocked", ended.GetTagItem(Attr.AttackOutcome));
        Assert.Equal("signature", ended.GetTagItem(Attr.AttackBlockedBy));
        var (value, tags) = Assert.Single(counted);
        Assert.Equal(1, value);
        Assert.Equal("blocked", tags[Attr.AttackOutcome]);
        Assert.Equal("insider", tags[Attr.AttackLevel]);
    }
}
