namespace SmartHome.Security.Tests;

/// <summary>The v2 suites keep accepted announcements like seed does, so a restarted actuator opens the readings queued for it.</summary>
public sealed class SuiteRestartTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "smarthome-suite-restart-" + Guid.NewGuid().ToString("N")[..8]);

    [Theory]
    [InlineData(CryptoSuite.Modern)]
    [InlineData(CryptoSuite.SessionSigned)]
    public void A_restarted_receiver_opens_queued_readings_with_the_kept_announcement_but_refuses_replays(CryptoSuite suite)
    {
        var keys = SuiteTestKeys.Shared;
        var time = new ManualTime();
        var announcements = Path.Combine(_dir, "announcements");
        var options = new EnvelopeReceiverOptions { Time = time, AnnouncementDirectory = announcements };
        var replay = Path.Combine(_dir, "replay.bin");
        var topic = TopicRules.Readings(SuiteRig.Device);
        using var sender = new SuiteEnvelopeSender(SuiteRig.Device, suite, keys.Device, keys.ActuatorAgreementPublic, time: time);
        SuiteEnvelopeReceiver Receiver(ReplayStore store) => new(keys.ActuatorAgreement, [new(SuiteRig.Device, keys.DevicePublic)], store, options);

        byte[] applied;
        using (var store = ReplayStore.OpenFile(replay))
        using (var rx = Receiver(store))
        {
            var first = sender.Seal(topic, [1]);
            Assert.Equal(ReceiveOutcome.KeyAccepted, rx.Receive(first.Announcement!.Topic, first.Announcement.Message).Outcome);
            Assert.Equal(ReceiveOutcome.Data, rx.Receive(topic, first.Message).Outcome);
            applied = first.Message;
        }

        // Sealed while the receiver was down (queued by the broker), delivered after its restart.
        var queued = sender.Seal(topic, [2]).Message;
        time.Advance(TimeSpan.FromSeconds(5));
        using (var store = ReplayStore.OpenFile(replay))
        using (var rx = Receiver(store))
        {
            Assert.Equal(RejectReasons.Replay, rx.Receive(topic, applied).Reason);
            var opened = rx.Receive(topic, queued);
            Assert.Equal(ReceiveOutcome.Data, opened.Outcome);
            Assert.Equal(new byte[] { 2 }, opened.Plaintext);
            Assert.Equal(RejectReasons.Replay, rx.Receive(topic, queued).Reason);
        }

        // A kept file that was tampered with (one bit of its signature) is not trusted: the key is simply unknown.
        var kept = Path.Combine(announcements, SuiteRig.Device + ".current.announcement");
        var bytes = File.ReadAllBytes(kept);
        bytes[^10] ^= 0x01;
        File.WriteAllBytes(kept, bytes);
        using (var store = ReplayStore.OpenFile(replay))
        using (var rx = Receiver(store))
        {
            Assert.Equal(RejectReasons.UnknownKey, rx.Receive(topic, sender.Seal(topic, [3]).Message).Reason);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // temp is cleaned by the OS
        }
    }
}
