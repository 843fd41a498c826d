using System.Buffers.Binary;
using System.Text;

namespace SmartHome.Security.Tests;

public class EnvelopeTests
{
    private static readonly byte[] Reading = Encoding.UTF8.GetBytes("{\"t\":21.5,\"unit\":\"C\"}");

    [Fact]
    public void RoundTrip_AnnouncementThenData()
    {
        using var rig = new Rig();
        SealResult first = rig.Sender.Seal(rig.DataTopic, Reading);
        Assert.NotNull(first.Announcement);
        Assert.Equal("smarthome/keys/temp-living", first.Announcement!.Topic);
        ReceiveResult ack = rig.Receiver.Receive(first.Announcement.Topic, first.Announcement.Message);
        Assert.Equal(ReceiveOutcome.KeyAccepted, ack.Outcome);
        Assert.Equal(first.KeyId, ack.KeyId);

        ReceiveResult data = rig.Receiver.Receive(rig.DataTopic, first.Message);
        Assert.Equal(ReceiveOutcome.Data, data.Outcome);
        Assert.Equal("temp-living", data.SenderId);
        Assert.Equal(Reading, data.Plaintext!);
        Assert.Equal(first.Counter, data.Counter);
        Assert.Equal(rig.Time.Now.ToUnixTimeMilliseconds(), data.Timestamp.ToUnixTimeMilliseconds());

        SealResult second = rig.Sender.Seal(rig.DataTopic, Reading);
        Assert.Null(second.Announcement);
        Assert.Equal(first.Counter + 1, second.Counter);
        Assert.Equal(ReceiveOutcome.Data, rig.Receiver.Receive(rig.DataTopic, second.Message).Outcome);
    }

    [Fact]
    public void EmptyAndMaximumPlaintexts_RoundTrip()
    {
        using var rig = new Rig();
        Assert.Equal([], rig.Receiver.Receive(rig.DataTopic, rig.SealDelivered([])).Plaintext!);
        byte[] max = new byte[EnvelopeFormat.MaxPlaintextLength(TestKeys.Device.Length)];
        Random.Shared.NextBytes(max);
        byte[] wire = rig.SealDelivered(max);
        Assert.Equal(EnvelopeFormat.MaxMessageSize, wire.Length);
        Assert.Equal(max, rig.Receiver.Receive(rig.DataTopic, wire).Plaintext!);
        Assert.Throws<ArgumentException>(() => rig.Sender.Seal(rig.DataTopic, new byte[max.Length + 1]));
    }

    [Fact]
    public void DataBeforeAnnouncement_IsUnknownKey()
    {
        using var rig = new Rig();
        SealResult r = rig.Sender.Seal(rig.DataTopic, Reading);
        Assert.Equal(RejectReasons.UnknownKey, rig.Receiver.Receive(rig.DataTopic, r.Message).Reason);
    }

    [Fact]
    public void Rotation_AfterMessageCount_AndPreviousKeyStillAccepted()
    {
        using var rig = new Rig(rotation: new RotationPolicy { MaxMessages = 3 });
        var inFlight = new List<byte[]>();
        for (int i = 0; i < 3; i++)
        {
            inFlight.Add(rig.SealDelivered(Reading));
        }
        // A real sender rotates seconds apart at the least (the receiver refuses announcements closer than 200 ms).
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        SealResult rotated = rig.Sender.Seal(rig.DataTopic, Reading);
        Assert.NotNull(rotated.Announcement);
        Assert.NotEqual(rotated.Announcement!.KeyId, inFlight.Count > 0 ? rig.Receiver.SnapshotReplayState()[^1].CurrentKeyId : 0u);
        Assert.Equal(ReceiveOutcome.KeyAccepted, rig.Receiver.Receive(rotated.Announcement.Topic, rotated.Announcement.Message).Outcome);
        // Messages sealed under the previous key arrive late (reordered) and are still accepted once.
        foreach (byte[] m in inFlight)
        {
            Assert.Equal(ReceiveOutcome.Data, rig.Receiver.Receive(rig.DataTopic, m).Outcome);
        }
        Assert.Equal(ReceiveOutcome.Data, rig.Receiver.Receive(rig.DataTopic, rotated.Message).Outcome);
    }

    [Fact]
    public void Rotation_AfterTime_AndRotateNow()
    {
        using var rig = new Rig(rotation: new RotationPolicy { MaxAge = TimeSpan.FromMinutes(5) });
        rig.SealDelivered(Reading);
        rig.Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Null(rig.Sender.Seal(rig.DataTopic, Reading).Announcement);
        rig.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.NotNull(rig.Sender.Seal(rig.DataTopic, Reading).Announcement);

        uint before = rig.Sender.CurrentKeyId;
        KeyAnnouncement now = rig.Sender.RotateNow();
        Assert.NotEqual(before, now.KeyId);
        Assert.Equal(ReceiveOutcome.KeyAccepted, rig.Receiver.Receive(now.Topic, now.Message).Outcome);
        SealResult next = rig.Sender.Seal(rig.DataTopic, Reading);
        Assert.Null(next.Announcement);
        Assert.Equal(now.KeyId, next.KeyId);
        Assert.Equal(ReceiveOutcome.Data, rig.Receiver.Receive(rig.DataTopic, next.Message).Outcome);
    }

    [Fact]
    public void Replay_IsRejected_AndReorderInsideWindowAcceptedOnce()
    {
        using var rig = new Rig();
        var msgs = Enumerable.Range(0, 10).Select(_ => rig.SealDelivered(Reading)).ToList();
        // Deliver in reverse order: all inside the window, each accepted exactly once.
        for (int i = msgs.Count - 1; i >= 0; i--)
        {
            Assert.Equal(ReceiveOutcome.Data, rig.Receiver.Receive(rig.DataTopic, msgs[i]).Outcome);
        }
        foreach (byte[] m in msgs)
        {
            Assert.Equal(RejectReasons.Replay, rig.Receiver.Receive(rig.DataTopic, m).Reason);
        }
    }

    [Fact]
    public void OutsideWindow_IsReplay()
    {
        using var rig = new Rig();
        byte[] old = rig.SealDelivered(Reading);
        for (int i = 0; i < ReplayWindow.Size; i++)
        {
            rig.Sender.Seal(rig.DataTopic, Reading);
        }
        byte[] newest = rig.Sender.Seal(rig.DataTopic, Reading).Message;
        Assert.Equal(ReceiveOutcome.Data, rig.Receiver.Receive(rig.DataTopic, newest).Outcome);
        Assert.Equal(RejectReasons.Replay, rig.Receiver.Receive(rig.DataTopic, old).Reason);
    }

    [Fact]
    public void Stale_PastAndFuture()
    {
        using var rig = new Rig(options: new EnvelopeReceiverOptions { FreshnessWindow = TimeSpan.FromSeconds(30) });
        byte[] m1 = rig.SealDelivered(Reading);
        byte[] m2 = rig.Sender.Seal(rig.DataTopic, Reading).Message;
        byte[] m3 = rig.Sender.Seal(rig.DataTopic, Reading).Message;
        rig.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(ReceiveOutcome.Data, rig.Receiver.Receive(rig.DataTopic, m1).Outcome); // exactly at the edge
        rig.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(RejectReasons.Stale, rig.Receiver.Receive(rig.DataTopic, m2).Reason);
        rig.Time.Advance(TimeSpan.FromSeconds(-61));
        Assert.Equal(RejectReasons.Stale, rig.Receiver.Receive(rig.DataTopic, m3).Reason); // from the future
    }

    [Fact]
    public void CrossTopicAndCrossSenderMoves_AreRejected()
    {
        using var rig = new Rig();
        byte[] m = rig.SealDelivered(Reading);
        // Same last segment, different topic: the topic is bound into the GCM associated data (and the signature).
        Assert.Equal(RejectReasons.GcmTag, rig.Receiver.Receive("smarthome/commands/temp-living", m).Reason);
        // Another sender's topic.
        Assert.Equal(RejectReasons.WrongTopic, rig.Receiver.Receive(TopicRules.Readings(TestKeys.Insider), m).Reason);
        // Strict rule rejects a data message on the announcement topic before any crypto.
        using var strict = new Rig(options: new EnvelopeReceiverOptions { TopicRule = TopicRules.Strict() });
        byte[] s = strict.SealDelivered(Reading);
        Assert.Equal(RejectReasons.WrongTopic, strict.Receiver.Receive(TopicRules.Keys(TestKeys.Device), s).Reason);
        Assert.Equal(RejectReasons.WrongTopic, strict.Receiver.Receive("x/temp-living", s).Reason);
        Assert.Equal(ReceiveOutcome.Data, strict.Receiver.Receive(strict.DataTopic, s).Outcome);
        // Original still valid afterwards (rejections did not burn the counter).
        Assert.Equal(ReceiveOutcome.Data, rig.Receiver.Receive(rig.DataTopic, m).Outcome);
    }

    [Fact]
    public void InsiderCannotImpersonate()
    {
        using var rig = new Rig();
        rig.SealDelivered(Reading);
        // Past the minimum interval after the real sender's announcement: the forgery faces the signature check.
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        // The insider (plug-garage, valid DSA key) claims to be temp-living: signature is checked with temp-living's key.
        using var impostor = rig.NewSender(id: TestKeys.Device, key: rig.Keys.InsiderPrivate, counters: new StartAtCounterStore(1_000_000));
        SealResult fake = impostor.Seal(rig.DataTopic, Reading);
        Assert.Equal(RejectReasons.BadSignature, rig.Receiver.Receive(fake.Announcement!.Topic, fake.Announcement.Message).Reason);
        // Its own genuine messages are fine on its own topic, and refused on temp-living's.
        using var insider = rig.NewSender(id: TestKeys.Insider, key: rig.Keys.InsiderPrivate);
        SealResult own = insider.Seal(TopicRules.Readings(TestKeys.Insider), Reading);
        Assert.Equal(RejectReasons.WrongTopic, rig.Receiver.Receive(TopicRules.Keys(TestKeys.Device), own.Announcement!.Message).Reason);
        Assert.Equal(ReceiveOutcome.KeyAccepted, rig.Receiver.Receive(own.Announcement.Topic, own.Announcement.Message).Outcome);
        Assert.Equal(RejectReasons.WrongTopic, rig.Receiver.Receive(rig.DataTopic, own.Message).Reason);
        Assert.Equal(ReceiveOutcome.Data, rig.Receiver.Receive(TopicRules.Readings(TestKeys.Insider), own.Message).Outcome);
    }

    [Fact]
    public void KeySubstitution_IsRejected()
    {
        using var rig = new Rig();
        rig.SealDelivered(Reading);
        // Past the minimum interval after the real sender's announcement: the forgery faces the signature check.
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        // Wrapped for another recipient: fingerprint mismatch, rejected before any RSA work.
        using var wrongRecipient = rig.NewSender(recipient: rig.Keys.AttackerRsaPublic, counters: new StartAtCounterStore(1_000_000));
        SealResult w = wrongRecipient.Seal(rig.DataTopic, Reading);
        Assert.Equal(RejectReasons.UnknownKey, rig.Receiver.Receive(w.Announcement!.Topic, w.Announcement.Message).Reason);
        // Attacker wraps its own key for the actuator and signs with its own DSA key.
        using var attacker = rig.NewSender(key: rig.Keys.AttackerDsaPrivate, counters: new StartAtCounterStore(1_000_000));
        SealResult a = attacker.Seal(rig.DataTopic, Reading);
        Assert.Equal(RejectReasons.BadSignature, rig.Receiver.Receive(a.Announcement!.Topic, a.Announcement.Message).Reason);
        Assert.Equal(RejectReasons.UnknownKey, rig.Receiver.Receive(rig.DataTopic, a.Message).Reason);
        // Real sender still works; its key was not replaced.
        Assert.Equal(ReceiveOutcome.Data, rig.Receiver.Receive(rig.DataTopic, rig.Sender.Seal(rig.DataTopic, Reading).Message).Outcome);
    }

    [Fact]
    public void FailedAnnouncements_AreBudgeted_ButDataOfTheRealSenderStillFlows()
    {
        using var rig = new Rig();
        byte[] before = rig.SealDelivered(Reading);
        // Past the minimum interval after the real sender's announcement: the forgery faces the signature check.
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        using var attacker = rig.NewSender(key: rig.Keys.AttackerDsaPrivate, counters: new StartAtCounterStore(1_000_000));
        var reasons = Enumerable.Range(0, 25)
            .Select(_ => attacker.RotateNow())
            .Select(a => rig.Receiver.Receive(a.Topic, a.Message).Reason)
            .ToList();
        // The first 5 cost a DSA verification each; the rest of this second's are refused without one.
        Assert.Equal(Enumerable.Repeat(RejectReasons.BadSignature, 5).Concat(Enumerable.Repeat(RejectReasons.RateLimited, 20)), reasons);
        // Data under the real session key does not depend on the announcement budget.
        Assert.Equal(ReceiveOutcome.Data, rig.Receiver.Receive(rig.DataTopic, rig.Sender.Seal(rig.DataTopic, Reading).Message).Outcome);
        // The price: the real sender's own re-announcement waits for the next second while the flood lasts.
        KeyAnnouncement genuine = rig.Sender.RotateNow();
        Assert.Equal(RejectReasons.RateLimited, rig.Receiver.Receive(genuine.Topic, genuine.Message).Reason);
        rig.Time.Advance(TimeSpan.FromSeconds(1));
        KeyAnnouncement next = rig.Sender.RotateNow();
        Assert.Equal(ReceiveOutcome.KeyAccepted, rig.Receiver.Receive(next.Topic, next.Message).Outcome);
        Assert.True(before.Length > 0);
    }

    [Fact]
    public void FailedAnnouncements_AreBudgetedOverAllSendersToo()
    {
        using var rig = new Rig(options: new EnvelopeReceiverOptions { FailedAnnouncementsPerSecond = 3 });
        using var attacker = rig.NewSender(key: rig.Keys.AttackerDsaPrivate, counters: new StartAtCounterStore(1_000_000));
        using var asInsider = rig.NewSender(id: TestKeys.Insider, key: rig.Keys.AttackerDsaPrivate, counters: new StartAtCounterStore(1_000_000));
        var reasons = new[] { attacker, asInsider, attacker, asInsider }
            .Select(s => s.RotateNow())
            .Select(a => rig.Receiver.Receive(a.Topic, a.Message).Reason)
            .ToList();
        Assert.Equal([RejectReasons.BadSignature, RejectReasons.BadSignature, RejectReasons.BadSignature, RejectReasons.RateLimited], reasons);
    }

    [Fact]
    public void ValidlySignedAnnouncementsThatDoNotUnwrap_DrawOnTheSendersBudget_AndOtherSendersAreUnaffected()
    {
        using var rig = new Rig();
        var reasons = new List<string?>();
        for (int i = 0; i < 300; i++)
        {
            // What a holder of the insider's key can send: correctly signed and stamped now, with a wrapped key that is garbage.
            using var insider = rig.NewSender(id: TestKeys.Insider, key: rig.Keys.InsiderPrivate, counters: new StartAtCounterStore(1_000 + (ulong)i * 10));
            KeyAnnouncement a = insider.RotateNow();
            byte[] m = a.Message;
            int wrapOff = EnvelopeFormat.FixedHeaderSize + TestKeys.Insider.Length + EnvelopeFormat.SaltSize + EnvelopeFormat.FingerprintSize + 2;
            m[wrapOff + 5] ^= 0x40;
            Resign(m, rig.Keys.InsiderPrivate, a.Topic);
            reasons.Add(rig.Receiver.Receive(a.Topic, m).Reason);
        }

        // bad-key is a failure like a bad signature: 5 cost RSA work in this second, 295 were refused before any.
        Assert.Equal(5, reasons.Count(r => r == RejectReasons.BadKey));
        Assert.Equal(295, reasons.Count(r => r == RejectReasons.RateLimited));
        // The other device announces and sends as if nothing happened.
        Assert.Equal(ReceiveOutcome.Data, rig.Receiver.Receive(rig.DataTopic, rig.SealDelivered(Reading)).Outcome);
    }

    [Fact]
    public void AcceptedAnnouncementsOfOneSender_AreSpacedByTheMinimumInterval_OfTheirSignedTimestamps()
    {
        using var rig = new Rig();
        KeyAnnouncement first = rig.Sender.RotateNow();
        Assert.Equal(ReceiveOutcome.KeyAccepted, rig.Receiver.Receive(first.Topic, first.Message).Outcome);
        // The sender stamps a rotation that comes too soon 200 ms after its last one, so it is accepted...
        KeyAnnouncement soon = rig.Sender.RotateNow();
        Assert.Equal(ReceiveOutcome.KeyAccepted, rig.Receiver.Receive(soon.Topic, soon.Message).Outcome);
        // ...while an announcement stamped closer than that (here: the same key's holder, restarted, at the same
        // instant) is refused before any public-key work.
        using var restarted = rig.NewSender(counters: new StartAtCounterStore(1_000_000));
        KeyAnnouncement tooSoon = restarted.RotateNow();
        Assert.Equal(RejectReasons.RateLimited, rig.Receiver.Receive(tooSoon.Topic, tooSoon.Message).Reason);
        rig.Time.Advance(TimeSpan.FromMilliseconds(400));
        KeyAnnouncement later = restarted.RotateNow();
        Assert.Equal(ReceiveOutcome.KeyAccepted, rig.Receiver.Receive(later.Topic, later.Message).Outcome);
    }

    [Fact]
    public void AnnouncementReplay_IsRejected()
    {
        using var rig = new Rig();
        SealResult r = rig.Sender.Seal(rig.DataTopic, Reading);
        Assert.True(rig.Receiver.Receive(r.Announcement!.Topic, r.Announcement.Message).IsAccepted);
        Assert.Equal(RejectReasons.Replay, rig.Receiver.Receive(r.Announcement.Topic, r.Announcement.Message).Reason);
    }

    [Fact]
    public void SimpleRejections()
    {
        using var rig = new Rig();
        byte[] m = rig.SealDelivered(Reading);
        Assert.Equal(RejectReasons.Oversize, rig.Receiver.Receive(rig.DataTopic, new byte[EnvelopeFormat.MaxMessageSize + 1]).Reason);
        Assert.Equal(RejectReasons.Malformed, rig.Receiver.Receive(rig.DataTopic, []).Reason);
        Assert.Equal(RejectReasons.Malformed, rig.Receiver.Receive(rig.DataTopic, m.AsSpan(0, m.Length - 1)).Reason);
        Assert.Equal(RejectReasons.Malformed, rig.Receiver.Receive(rig.DataTopic, [.. m, 0]).Reason);
        Assert.Equal(RejectReasons.Malformed, rig.Receiver.Receive("", m).Reason);
        Assert.Equal(RejectReasons.Malformed, rig.Receiver.Receive(null!, m).Reason);
        Assert.Equal(RejectReasons.Malformed, rig.Receiver.Receive(new string('a', 600), m).Reason);

        using var stranger = rig.NewSender(id: "stranger", key: rig.Keys.AttackerDsaPrivate);
        SealResult s = stranger.Seal("smarthome/readings/stranger", Reading);
        Assert.Equal(RejectReasons.UnknownSender, rig.Receiver.Receive("smarthome/keys/stranger", s.Announcement!.Message).Reason);
        Assert.Equal(ReceiveOutcome.Data, rig.Receiver.Receive(rig.DataTopic, m).Outcome);
    }

    [Fact]
    public void GcmTag_WhenSignerEncryptsWithWrongKey()
    {
        // A key holder that signs correctly but whose ciphertext does not authenticate: only GCM catches it.
        using var rig = new Rig();
        byte[] m = rig.SealDelivered(Reading);
        int idLen = TestKeys.Device.Length;
        int ctOff = EnvelopeFormat.FixedHeaderSize + idLen + 2;
        m[ctOff] ^= 1;
        Resign(m, rig.Keys.DevicePrivate, rig.DataTopic);
        Assert.Equal(RejectReasons.GcmTag, rig.Receiver.Receive(rig.DataTopic, m).Reason);
        // The failed message did not consume its counter... but it cannot be fixed either; next message is fine.
        Assert.Equal(ReceiveOutcome.Data, rig.Receiver.Receive(rig.DataTopic, rig.Sender.Seal(rig.DataTopic, Reading).Message).Outcome);
    }

    [Fact]
    public void BadKey_WhenSignedAnnouncementDoesNotUnwrap()
    {
        using var rig = new Rig();
        KeyAnnouncement a = rig.Sender.RotateNow();
        byte[] m = a.Message;
        int wrapOff = EnvelopeFormat.FixedHeaderSize + TestKeys.Device.Length + EnvelopeFormat.SaltSize + EnvelopeFormat.FingerprintSize + 2;
        m[wrapOff + 5] ^= 0x40;
        Resign(m, rig.Keys.DevicePrivate, a.Topic);
        Assert.Equal(RejectReasons.BadKey, rig.Receiver.Receive(a.Topic, m).Reason);
    }

    [Fact]
    public void Snapshot_ReportsWindowAndKey()
    {
        using var rig = new Rig();
        for (int i = 0; i < 5; i++)
        {
            rig.Receiver.Receive(rig.DataTopic, rig.SealDelivered(Reading));
        }
        rig.Receiver.Receive(rig.DataTopic, [1, 2, 3]);
        ReplayWindowSnapshot snap = rig.Receiver.SnapshotReplayState().Single(s => s.SenderId == TestKeys.Device);
        Assert.Equal(6ul, snap.HighestCounter); // announcement = 1, data = 2..6
        Assert.Equal(6, snap.SeenInWindow);
        Assert.Equal(6, snap.Accepted);
        Assert.Equal(rig.Sender.CurrentKeyId, snap.CurrentKeyId);
        Assert.Equal(256, snap.WindowSize);
    }

    [Fact]
    public async Task ConcurrentReceive_FromManySenders_AcceptsEachMessageOnce()
    {
        var time = new ManualTime();
        var keys = TestKeys.Shared;
        var ids = Enumerable.Range(0, 8).Select(i => $"dev-{i}").ToList();
        using var store = ReplayStore.InMemory();
        using var receiver = new EnvelopeReceiver(keys.ActuatorPrivate, ids.Select(id => KeyValuePair.Create(id, keys.DevicePublic)), store, new EnvelopeReceiverOptions { Time = time });
        var messages = new List<(string Topic, byte[] Wire)>();
        foreach (string id in ids)
        {
            using var s = new EnvelopeSender(id, keys.DevicePrivate, keys.ActuatorPublic, time: time);
            for (int i = 0; i < 20; i++)
            {
                SealResult r = s.Seal(TopicRules.Readings(id), [(byte)i]);
                if (r.Announcement is { } a)
                {
                    Assert.True(receiver.Receive(a.Topic, a.Message).IsAccepted);
                }
                messages.Add((TopicRules.Readings(id), r.Message));
            }
        }
        // Every message delivered twice, concurrently: exactly one acceptance each.
        var all = messages.Concat(messages).OrderBy(_ => Random.Shared.Next()).ToList();
        int accepted = 0;
        await Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = 4 }, (m, _) =>
        {
            if (receiver.Receive(m.Topic, m.Wire).Outcome == ReceiveOutcome.Data)
            {
                Interlocked.Increment(ref accepted);
            }
            return ValueTask.CompletedTask;
        });
        Assert.Equal(messages.Count, accepted);
    }

    /// <summary>Recomputes the signature of a message (test helper simulating a key holder).</summary>
    internal static void Resign(byte[] m, System.Security.Cryptography.DSA key, string topic)
    {
        int sigOff = m.Length - EnvelopeFormat.SignatureSize;
        byte[] t = Encoding.UTF8.GetBytes(topic);
        byte[] input = [.. m.AsSpan(0, sigOff), (byte)(t.Length >> 8), (byte)t.Length, .. t];
        Assert.True(key.TrySignData(input, m.AsSpan(sigOff), System.Security.Cryptography.HashAlgorithmName.SHA256,
            System.Security.Cryptography.DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out _));
        _ = BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(2));
    }
}
