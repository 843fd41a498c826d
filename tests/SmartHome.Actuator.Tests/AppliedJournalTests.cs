using System.Buffers;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Packets;
using SmartHome.Messaging;

namespace SmartHome.Actuator.Tests;

/// <summary>
/// At most once: the actuator's applied journal drops second copies by message id, durably. On the insecure pipeline
/// only flagged copies (redeliveries, retransmissions) are dropped, a plain repeat of an id (a replay) is not: it must
/// stay replayable. On the secure pipeline every second copy is dropped and acknowledged again.
/// </summary>
public sealed class AppliedJournalTests
{
    [Fact]
    public void The_journal_remembers_applied_ids_and_whether_the_applied_copy_was_flagged()
    {
        using var journal = AppliedJournal.InMemory();
        Assert.Equal(AppliedStatus.New, journal.Check("door-front", "m1", 10, out _));
        journal.Record("door-front", "m1", 10, flagged: false);
        Assert.Equal(AppliedStatus.Applied, journal.Check("door-front", "m1", 10, out var flagged));
        Assert.False(flagged);
        journal.Record("door-front", "m2", 11, flagged: true);
        Assert.Equal(AppliedStatus.Applied, journal.Check("door-front", "m2", 11, out flagged));
        Assert.True(flagged);
        // Ids are per sender: another device's id is another reading.
        Assert.Equal(AppliedStatus.New, journal.Check("temp-living", "m1", 10, out _));
    }

    [Fact]
    public void Applied_ids_survive_a_restart_and_a_torn_last_line_is_dropped()
    {
        var path = Path.Combine(Path.GetTempPath(), "applied-" + Guid.NewGuid().ToString("N") + ".journal");
        try
        {
            using (var journal = AppliedJournal.Open(path))
            {
                journal.Record("door-front", "m1", 10, flagged: false);
                journal.Record("door-front", "m2", 11, flagged: true);
                journal.Flush();
            }

            // A crash in the middle of a write leaves a line without its newline.
            File.AppendAllText(path, "A door-front m3 12");
            using (var reopened = AppliedJournal.Open(path))
            {
                Assert.Equal(AppliedStatus.Applied, reopened.Check("door-front", "m1", 10, out _));
                Assert.Equal(AppliedStatus.Applied, reopened.Check("door-front", "m2", 11, out var flagged));
                Assert.True(flagged);
                Assert.Equal(AppliedStatus.New, reopened.Check("door-front", "m3", 12, out _));
                reopened.Record("door-front", "m3", 12, flagged: false);
            }

            Assert.Equal(new Dictionary<string, int> { ["m1"] = 1, ["m2"] = 1, ["m3"] = 1 }, AppliedJournal.ReadApplications(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Memory_is_bounded_and_a_reading_older_than_what_was_forgotten_is_expired_not_applied_again()
    {
        var path = Path.Combine(Path.GetTempPath(), "applied-" + Guid.NewGuid().ToString("N") + ".journal");
        try
        {
            using (var journal = AppliedJournal.Open(path, perSenderCapacity: 3))
            {
                foreach (var (id, sentAt) in new[] { ("a", 1L), ("b", 2L), ("c", 3L), ("d", 4L) })
                {
                    journal.Record("door-front", id, sentAt, flagged: false);
                }

                Assert.Equal(3, journal.Count);
                Assert.Equal(AppliedStatus.Expired, journal.Check("door-front", "a", 1, out _)); // forgotten, cannot tell
                Assert.Equal(AppliedStatus.Expired, journal.Check("door-front", "never-seen", 1, out _));
                Assert.Equal(AppliedStatus.New, journal.Check("door-front", "e", 5, out _));
            }

            using var reopened = AppliedJournal.Open(path, perSenderCapacity: 3);
            Assert.Equal(AppliedStatus.Expired, reopened.Check("door-front", "a", 1, out _));
            Assert.Equal(AppliedStatus.Applied, reopened.Check("door-front", "d", 4, out _));
            Assert.Throws<ArgumentOutOfRangeException>(() => AppliedJournal.InMemory(0));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void On_the_secure_pipeline_every_second_copy_of_an_applied_id_is_a_duplicate_and_is_acknowledged_as_applied()
    {
        var acks = new AckQueue();
        var log = new DecisionLog(100);
        var processor = new ReadingProcessor(new AuthenticatedPlaintext(), new HomeState(), new DeviceAuthorization(TestRegistry.Home(), TimeProvider.System), log,
            TimeProvider.System, "secure", NullLogger<ReadingProcessor>.Instance, AppliedJournal.InMemory(), acks);
        var reading = new ReadOnlySequence<byte>(new DeviceReading("m-1", "door-front", DeviceKind.Door, 1, 1, 0).ToUtf8Json());
        Assert.Equal(DecisionLog.Applied, processor.Process("smarthome/readings/door-front", reading, null).Verdict);
        var second = processor.Process("smarthome/readings/door-front", reading, null);
        Assert.Equal((DecisionLog.Rejected, RejectReasons.Duplicate), (second.Verdict, second.Reason));
        var implausible = new ReadOnlySequence<byte>(new DeviceReading("m-2", "door-front", DeviceKind.Door, 7, 2, 0).ToUtf8Json());
        Assert.Equal(RejectReasons.Implausible, processor.Process("smarthome/readings/door-front", implausible, null).Reason);

        var queued = new List<(string, AckEntry)>();
        while (acks.Reader.TryRead(out var item))
        {
            queued.Add(item);
        }

        Assert.Equal(
            [("door-front", AckEntry.ForApplied("m-1")), ("door-front", AckEntry.ForApplied("m-1")), ("door-front", AckEntry.ForRejected("m-2", RejectReasons.Implausible))],
            queued);
    }

    /// <summary>The plaintext seam under another mode name: what a protection that authenticates its senders looks like to the processor.</summary>
    private sealed class AuthenticatedPlaintext : IMessageProtection
    {
        private readonly PlaintextProtection _inner = new();

        public string Mode => "secure";

        public IReadOnlyList<string> SubscriptionFilters => _inner.SubscriptionFilters;

        public IReadOnlyList<OutboundMessage> Protect(string deviceId, ReadOnlySpan<byte> reading) => _inner.Protect(deviceId, reading);

        public void RenewSessionAtNextSend(string deviceId) => _inner.RenewSessionAtNextSend(deviceId);

        public InboundVerdict Unprotect(string topic, ReadOnlySpan<byte> payload) => _inner.Unprotect(topic, payload);
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

    [Fact]
    public async Task Two_copies_of_a_reading_judged_at_the_same_time_are_applied_once()
    {
        // An MQTT client can hand a redelivery (DUP) to the actuator on its new connection while the old connection still
        // drains the first copy: the two are judged on two threads at once, and only one may be applied.
        var log = new DecisionLog(10_000);
        var processor = new ReadingProcessor(new PlaintextProtection(), new HomeState(),
            new DeviceAuthorization(TestRegistry.Home(maxReadingsPerSecond: 1_000_000), TimeProvider.System), log, TimeProvider.System, "insecure",
            NullLogger<ReadingProcessor>.Instance);
        const string topic = "smarthome/readings/temp-living";
        const int readings = 2_000;
        using var start = new Barrier(2);
        void Judge(bool redelivered)
        {
            for (var i = 0; i < readings; i++)
            {
                var reading = new ReadOnlySequence<byte>(new DeviceReading($"m-{i}", "temp-living", DeviceKind.Temperature, 20, i + 1, 0).ToUtf8Json());
                start.SignalAndWait();
                processor.Process(topic, reading, null, redelivered);
            }
        }

        var first = Task.Factory.StartNew(() => Judge(redelivered: false), TaskCreationOptions.LongRunning);
        var redelivery = Task.Factory.StartNew(() => Judge(redelivered: true), TaskCreationOptions.LongRunning);
        await Task.WhenAll(first, redelivery);

        var applied = log.Query(0, 2 * readings + 10).Where(d => d.Verdict == DecisionLog.Applied).GroupBy(d => d.MessageId).ToList();
        Assert.Equal(readings, applied.Count);
        Assert.All(applied, g => Assert.Single(g));
    }
    [Fact]
    public async Task A_reading_is_recorded_while_the_journal_is_being_made_durable()
    {
        // The acknowledgement publisher's fsync must not hold up the next reading's judgement (it did: Record waited for
        // it on the same lock, which put an fsync into the end-to-end latency of readings that came during one).
        var path = Path.Combine(Path.GetTempPath(), "applied-" + Guid.NewGuid().ToString("N") + ".journal");
        using var inFsync = new ManualResetEventSlim();
        using var releaseFsync = new ManualResetEventSlim();
        var fsyncs = 0;
        try
        {
            using (var journal = AppliedJournal.Open(path, AppliedJournal.DefaultPerSenderCapacity, file =>
            {
                Interlocked.Increment(ref fsyncs);
                inFsync.Set();
                releaseFsync.Wait(TimeSpan.FromSeconds(30));
                file.Flush(flushToDisk: true);
            }))
            {
                journal.Record("door-front", "m1", 10, flagged: false);
                var flushing = Task.Factory.StartNew(journal.Flush, TaskCreationOptions.LongRunning);
                Assert.True(inFsync.Wait(TimeSpan.FromSeconds(30)), "the flush never started its fsync");

                var recording = Task.Factory.StartNew(() => journal.Record("door-front", "m2", 11, flagged: false), TaskCreationOptions.LongRunning);
                var finishedFirst = await Task.WhenAny(recording, Task.Delay(TimeSpan.FromSeconds(10)));
                releaseFsync.Set();
                await flushing;
                Assert.Same(recording, finishedFirst);
                Assert.Equal(AppliedStatus.Applied, journal.Check("door-front", "m2", 11, out _));

                // m2 came after the first fsync began, so the next flush makes it durable with a second fsync.
                journal.Flush();
                Assert.Equal(2, fsyncs);
                journal.Flush();
                Assert.Equal(2, fsyncs);
            }

            Assert.Equal(new[] { "m1", "m2" }, AppliedJournal.ReadApplications(path).Keys.Order(StringComparer.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
