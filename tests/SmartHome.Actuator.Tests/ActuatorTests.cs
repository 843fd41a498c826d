using System.Buffers;
using System.Text;
using CsCheck;
using Microsoft.Extensions.Logging.Abstractions;
using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Actuator.Tests;

/// <summary>The actuator's rules, decision log and its refusal to be crashed or steered by bad input.</summary>
public sealed class ActuatorTests
{
    private readonly HomeState _home = new();
    private readonly DecisionLog _log = new(1000);
    private readonly ReadingProcessor _processor;

    private static readonly string[] Topics = ["smarthome/readings/temp-living", "smarthome/keys/x", "a/b", ""];

    public ActuatorTests() =>
        _processor = new ReadingProcessor(new PlaintextProtection(), _home, new DeviceAuthorization(TestRegistry.Home(), TimeProvider.System), _log, TimeProvider.System, "insecure",
            NullLogger<ReadingProcessor>.Instance);

    [Theory]
    [InlineData(DeviceKind.Temperature, 18.0, "heating on")]
    [InlineData(DeviceKind.Door, 1.0, "door unlocked")]
    [InlineData(DeviceKind.Smoke, 25.0, "siren on")]
    [InlineData(DeviceKind.Power, 3000.0, "plug cut off")]
    public void Each_device_kind_has_a_visible_consequence(DeviceKind kind, double value, string effect)
    {
        var reading = new DeviceReading("m1", "dev-1", kind, value, 1, 0);
        Assert.Equal(effect, _home.Apply(reading));
        Assert.Equal(1, _home.Snapshot().ChangeCount);
    }

    [Fact]
    public void Heating_has_hysteresis()
    {
        _home.Apply(new DeviceReading("a", "t", DeviceKind.Temperature, 19, 1, 0));
        Assert.True(_home.HeatingOn);
        _home.Apply(new DeviceReading("b", "t", DeviceKind.Temperature, 20.5, 2, 0));
        Assert.True(_home.HeatingOn);
        _home.Apply(new DeviceReading("c", "t", DeviceKind.Temperature, 22, 3, 0));
        Assert.False(_home.HeatingOn);
    }

    [Fact]
    public void A_valid_reading_is_applied_with_its_latency()
    {
        var now = DeviceReading.NowMicros(TimeProvider.System);
        var reading = new DeviceReading("m-7", "smoke-kitchen", DeviceKind.Smoke, 30, 1, now - 1500);
        var decision = _processor.Process("smarthome/readings/smoke-kitchen", new ReadOnlySequence<byte>(reading.ToUtf8Json()), null);
        Assert.Equal(DecisionLog.Applied, decision.Verdict);
        Assert.Equal("m-7", decision.MessageId);
        Assert.Equal("siren on", decision.Effect);
        Assert.InRange(decision.LatencyMs!.Value, 1.4, 1000);
        Assert.True(_home.SirenOn);
    }

    [Fact]
    public void A_reading_claiming_another_device_than_its_topic_is_rejected()
    {
        var reading = new DeviceReading("m-8", "door-front", DeviceKind.Door, 1, 1, 0);
        var decision = _processor.Process("smarthome/readings/temp-living", new ReadOnlySequence<byte>(reading.ToUtf8Json()), null);
        Assert.Equal(RejectReasons.SenderMismatch, decision.Reason);
        Assert.True(_home.DoorLocked);
    }

    [Fact]
    public void Garbage_never_throws_and_never_changes_state() =>
        Gen.Select(Gen.Byte.Array[0, 3000], Gen.Int[0, 3].Select(i => Topics[i]))
            .Sample((bytes, topic) =>
            {
                var before = _home.Snapshot();
                var decision = _processor.Process(topic, new ReadOnlySequence<byte>(bytes), null);
                return decision.Verdict == DecisionLog.Rejected && _home.Snapshot() == before;
            }, iter: 5_000, seed: "0N0XIzNsQ0O2");

    [Fact]
    public void Malformed_json_is_recorded_as_malformed()
    {
        var decision = _processor.Process("smarthome/readings/temp-living", new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{nope")), null);
        Assert.Equal(DecisionLog.Rejected, decision.Verdict);
        Assert.Equal(RejectReasons.Malformed, decision.Reason);
        Assert.Equal(1, _log.Summary().RejectedByReason[RejectReasons.Malformed]);
    }

    [Fact]
    public void The_decision_log_is_bounded_and_pages_in_order()
    {
        var log = new DecisionLog(16);
        for (var i = 0; i < 40; i++)
        {
            log.Add(seq => new Decision(seq, $"m{seq}", null, "s", "t", "temperature", DecisionLog.Applied, null, 1, 1, DateTimeOffset.UtcNow, null));
        }

        var all = log.Query(0, 1000);
        Assert.Equal(16, all.Count);
        Assert.Equal(Enumerable.Range(25, 16).Select(i => (long)i), all.Select(d => d.Seq));
        Assert.Equal(40, log.Summary().Applied);
        Assert.Equal([39L, 40L], log.Query(38, 10).Select(d => d.Seq));
    }
}
