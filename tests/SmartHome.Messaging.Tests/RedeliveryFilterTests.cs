using System.Buffers;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Packets;
using SmartHome.Actuator;

namespace SmartHome.Messaging.Tests;

/// <summary>
/// QoS 1 redeliveries are dropped by message id, while a plain repeat of an id (a replay) is not: stopping replays
/// is the secure pipeline's replay window, and the insecure pipeline must stay replayable.
/// </summary>
public sealed class RedeliveryFilterTests
{
    [Fact]
    public void A_flagged_second_copy_of_an_applied_id_is_a_redelivery()
    {
        var filter = new RedeliveryFilter();
        Assert.False(filter.IsRedelivery("m1", flaggedAsRedelivery: false));
        Assert.True(filter.IsRedelivery("m1", flaggedAsRedelivery: true));
        Assert.True(filter.IsRedelivery("m1", flaggedAsRedelivery: true));
    }

    [Fact]
    public void An_original_arriving_after_its_flagged_copy_was_applied_is_a_redelivery()
    {
        var filter = new RedeliveryFilter();
        Assert.False(filter.IsRedelivery("m1", flaggedAsRedelivery: true));
        Assert.True(filter.IsRedelivery("m1", flaggedAsRedelivery: false));
    }

    [Fact]
    public void Two_unflagged_copies_are_a_replay_not_a_redelivery()
    {
        var filter = new RedeliveryFilter();
        Assert.False(filter.IsRedelivery("m1", flaggedAsRedelivery: false));
        Assert.False(filter.IsRedelivery("m1", flaggedAsRedelivery: false));
    }

    [Fact]
    public void A_flagged_copy_of_an_id_never_applied_is_applied()
    {
        var filter = new RedeliveryFilter();
        Assert.False(filter.IsRedelivery("lost-original", flaggedAsRedelivery: true));
        Assert.False(filter.IsRedelivery("other", flaggedAsRedelivery: true));
    }

    [Fact]
    public void Memory_is_bounded_to_the_newest_ids()
    {
        var filter = new RedeliveryFilter(capacity: 3);
        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            Assert.False(filter.IsRedelivery(id, flaggedAsRedelivery: false));
        }

        Assert.False(filter.IsRedelivery("a", flaggedAsRedelivery: true)); // forgotten: the oldest of four
        Assert.True(filter.IsRedelivery("d", flaggedAsRedelivery: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RedeliveryFilter(0));
    }

    [Fact]
    public void The_actuator_records_a_redelivered_reading_as_a_duplicate_and_does_not_apply_it_again()
    {
        var home = new HomeState();
        var log = new DecisionLog(100);
        var processor = new ReadingProcessor(new PlaintextProtection(), home, new DeviceAuthorization(TestRegistry.Home(), TimeProvider.System), log, TimeProvider.System, "insecure",
            NullLogger<ReadingProcessor>.Instance);
        var reading = new ReadOnlySequence<byte>(new DeviceReading("m-1", "door-front", DeviceKind.Door, 1, 1, 0).ToUtf8Json());
        const string topic = "smarthome/readings/door-front";

        Assert.Equal(DecisionLog.Applied, processor.Process(topic, reading, null).Verdict);
        var changes = home.Snapshot().ChangeCount;

        // The sender's retransmission flag and the broker's MQTT DUP flag both mark a redelivery.
        MqttUserProperty[] flagged = [new(MessageProperties.Retransmission, "1"u8.ToArray().AsMemory())];
        var byProperty = processor.Process(topic, reading, flagged);
        var byDup = processor.Process(topic, reading, null, redelivered: true);
        foreach (var decision in new[] { byProperty, byDup })
        {
            Assert.Equal(DecisionLog.Rejected, decision.Verdict);
            Assert.Equal(RejectReasons.Duplicate, decision.Reason);
            Assert.Equal("m-1", decision.MessageId);
        }

        Assert.Equal(changes, home.Snapshot().ChangeCount);

        // A byte-for-byte replay without the flag is applied: this pipeline has no replay defence, on purpose.
        Assert.Equal(DecisionLog.Applied, processor.Process(topic, reading, null).Verdict);
    }
}
