namespace SmartHome.Security.Tests;

public sealed class PersistenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("shsec-persist-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void MappedStore_SurvivesReopen()
    {
        string path = Path.Combine(_dir, "replay.bin");
        using (var s = ReplayStore.OpenFile(path, capacity: 8))
        {
            int a = s.OpenSlot("a", out ulong h0);
            int b = s.OpenSlot("b", out _);
            Assert.Equal(0ul, h0);
            s.Store(a, 42);
            s.Store(b, 7);
            s.Store(a, 43);
        }
        using (var s = ReplayStore.OpenFile(path, capacity: 1000))
        {
            s.OpenSlot("b", out ulong hb);
            s.OpenSlot("a", out ulong ha);
            s.OpenSlot("c", out ulong hc);
            Assert.Equal((43ul, 7ul, 0ul), (ha, hb, hc));
            Assert.Equal(3, ((MappedFileReplayStore)s).UsedSlots);
        }
    }

    [Fact]
    public void MappedStore_CorruptOrFull_GivesClearErrors()
    {
        string path = Path.Combine(_dir, "bad.bin");
        File.WriteAllBytes(path, new byte[100]);
        var ex = Assert.Throws<KeyMaterialException>(() => ReplayStore.OpenFile(path));
        Assert.Equal(path, ex.FilePath);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);

        using var s = ReplayStore.OpenFile(Path.Combine(_dir, "small.bin"), capacity: 1);
        s.OpenSlot("a", out _);
        Assert.Throws<InvalidOperationException>(() => s.OpenSlot("b", out _));
    }

    [Fact]
    public void RestartedReceiver_DoesNotReopenTheWindow()
    {
        string path = Path.Combine(_dir, "actuator-replay.bin");
        var captured = new List<byte[]>();
        var keys = TestKeys.Shared;
        var time = new ManualTime();
        using var sender = new EnvelopeSender(TestKeys.Device, keys.DevicePrivate, keys.ActuatorPublic, time: time);
        string topic = TopicRules.Readings(TestKeys.Device);
        using (var store = ReplayStore.OpenFile(path))
        using (var rx = new EnvelopeReceiver(keys.ActuatorPrivate, keys.Directory, store, new EnvelopeReceiverOptions { Time = time }))
        {
            for (int i = 0; i < 5; i++)
            {
                SealResult r = sender.Seal(topic, [(byte)i]);
                if (r.Announcement is { } a)
                {
                    captured.Add(a.Message);
                    Assert.True(rx.Receive(a.Topic, a.Message).IsAccepted);
                }
                captured.Add(r.Message);
                Assert.True(rx.Receive(topic, r.Message).IsAccepted);
            }
        }
        // "Restart": a new receiver over the same file. Every captured message (announcement included) is a replay.
        using (var store = ReplayStore.OpenFile(path))
        using (var rx = new EnvelopeReceiver(keys.ActuatorPrivate, keys.Directory, store, new EnvelopeReceiverOptions { Time = time }))
        {
            Assert.Equal(RejectReasons.Replay, rx.Receive(TopicRules.Keys(TestKeys.Device), captured[0]).Reason);
            foreach (byte[] m in captured.Skip(1))
            {
                // The replayed announcement was refused, so its session key is unknown to the restarted receiver.
                Assert.Equal(RejectReasons.UnknownKey, rx.Receive(topic, m).Reason);
            }
            // The sender re-announces (session keys are not persisted) and continues.
            KeyAnnouncement again = sender.RotateNow();
            Assert.Equal(ReceiveOutcome.KeyAccepted, rx.Receive(again.Topic, again.Message).Outcome);
            Assert.Equal(ReceiveOutcome.Data, rx.Receive(topic, sender.Seal(topic, [9]).Message).Outcome);
        }
    }

    [Fact]
    public void RestartedReceiver_WithKeptAnnouncements_DecryptsQueuedReadingsButNotReplays()
    {
        string path = Path.Combine(_dir, "replay-kept.bin");
        string announcements = Path.Combine(_dir, "announcements");
        var keys = TestKeys.Shared;
        var time = new ManualTime();
        var options = new EnvelopeReceiverOptions { Time = time, AnnouncementDirectory = announcements };
        using var sender = new EnvelopeSender(TestKeys.Device, keys.DevicePrivate, keys.ActuatorPublic, time: time);
        string topic = TopicRules.Readings(TestKeys.Device);
        byte[] alreadyApplied;
        using (var store = ReplayStore.OpenFile(path))
        using (var rx = new EnvelopeReceiver(keys.ActuatorPrivate, keys.Directory, store, options))
        {
            SealResult first = sender.Seal(topic, [1]);
            Assert.Equal(ReceiveOutcome.KeyAccepted, rx.Receive(first.Announcement!.Topic, first.Announcement.Message).Outcome);
            Assert.Equal(ReceiveOutcome.Data, rx.Receive(topic, first.Message).Outcome);
            alreadyApplied = first.Message;
        }

        // Sealed while the receiver was down (queued by the broker), delivered after its restart.
        byte[] queued = sender.Seal(topic, [2]).Message;
        time.Advance(TimeSpan.FromSeconds(5));
        using (var store = ReplayStore.OpenFile(path))
        using (var rx = new EnvelopeReceiver(keys.ActuatorPrivate, keys.Directory, store, options))
        {
            Assert.Equal(RejectReasons.Replay, rx.Receive(topic, alreadyApplied).Reason);
            Assert.Equal(ReceiveOutcome.Data, rx.Receive(topic, queued).Outcome);
            Assert.Equal(RejectReasons.Replay, rx.Receive(topic, queued).Reason);
        }

        // A kept file that was tampered with is not trusted: the key is simply unknown.
        string kept = Path.Combine(announcements, TestKeys.Device + ".current.announcement");
        byte[] bytes = File.ReadAllBytes(kept);
        bytes[^10] ^= 0x01;
        File.WriteAllBytes(kept, bytes);
        File.Delete(Path.Combine(announcements, TestKeys.Device + ".previous.announcement"));
        using (var store = ReplayStore.OpenFile(path))
        using (var rx = new EnvelopeReceiver(keys.ActuatorPrivate, keys.Directory, store, options))
        {
            Assert.Equal(RejectReasons.UnknownKey, rx.Receive(topic, sender.Seal(topic, [3]).Message).Reason);
        }
    }

    [Fact]
    public void RestartedSender_ResumesAboveEveryUsedCounter()
    {
        var keys = TestKeys.Shared;
        var time = new ManualTime();
        string dir = Path.Combine(_dir, "counters");
        using var store = ReplayStore.InMemory();
        using var rx = new EnvelopeReceiver(keys.ActuatorPrivate, keys.Directory, store, new EnvelopeReceiverOptions { Time = time });
        string topic = TopicRules.Readings(TestKeys.Device);
        ulong last = 0;
        using (var s1 = new EnvelopeSender(TestKeys.Device, keys.DevicePrivate, keys.ActuatorPublic, counters: CounterStore.InDirectory(dir), time: time, counterBlockSize: 10))
        {
            for (int i = 0; i < 25; i++)
            {
                SealResult r = s1.Seal(topic, [1]);
                if (r.Announcement is { } a)
                {
                    rx.Receive(a.Topic, a.Message);
                }
                Assert.True(rx.Receive(topic, r.Message).IsAccepted);
                last = r.Counter;
            }
        }
        Assert.Equal("31", File.ReadAllText(Path.Combine(dir, "temp-living.counter")).Trim()); // blocks [1,11) [11,21) [21,31)
        time.Advance(TimeSpan.FromSeconds(1)); // a restart takes longer than the minimum interval between announcements
        using var s2 = new EnvelopeSender(TestKeys.Device, keys.DevicePrivate, keys.ActuatorPublic, counters: CounterStore.InDirectory(dir), time: time, counterBlockSize: 10);
        SealResult next = s2.Seal(topic, [2]);
        Assert.True(next.Announcement!.Counter > last);
        Assert.Equal(ReceiveOutcome.KeyAccepted, rx.Receive(next.Announcement.Topic, next.Announcement.Message).Outcome);
        Assert.Equal(ReceiveOutcome.Data, rx.Receive(topic, next.Message).Outcome);

        File.WriteAllText(Path.Combine(dir, "temp-living.counter"), "garbage");
        time.Advance(TimeSpan.FromSeconds(1));
        using var s3 = new EnvelopeSender(TestKeys.Device, keys.DevicePrivate, keys.ActuatorPublic, counters: CounterStore.InDirectory(dir), time: time);
        var ex = Assert.Throws<KeyMaterialException>(() => s3.Seal(topic, [3]));
        Assert.EndsWith("temp-living.counter", ex.FilePath, StringComparison.Ordinal);
    }
}
