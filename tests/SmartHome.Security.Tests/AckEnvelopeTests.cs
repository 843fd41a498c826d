using System.Buffers.Binary;
using System.Security.Cryptography;

namespace SmartHome.Security.Tests;

/// <summary>
/// The acknowledgement envelope: only the actuator's key, on the topic it was sealed for, fresh and once makes a device
/// take a reading off its outbox.
/// </summary>
public sealed class AckEnvelopeTests
{
    private const string Actuator = "actuator";
    private const string Topic = "smarthome/acks/temp-living";
    private const string OtherTopic = "smarthome/acks/plug-garage";

    private static readonly Lazy<DSA> LazyActuatorKey = new(() =>
    {
        var key = DSA.Create(2048);
        _ = key.ExportParameters(true); // generate now
        return key;
    });

    private static DSA ActuatorKey => LazyActuatorKey.Value;

    private static readonly byte[] Body = [0x01, 0x01, 0x01, 0x02, (byte)'m', (byte)'1', 0x00];

    private static AckVerifier Verifier(ManualTime time, ReplayStore? store = null, DSA? key = null) =>
        new(Actuator, key ?? ActuatorKey, t => t is Topic or OtherTopic, store ?? ReplayStore.InMemory(), TimeSpan.FromSeconds(30), time);

    [Fact]
    public void A_sealed_acknowledgement_verifies_once_and_its_body_comes_back()
    {
        var time = new ManualTime();
        var signer = new AckSigner(Actuator, ActuatorKey, CounterStore.InMemory(), time);
        var verifier = Verifier(time);
        var message = signer.Seal(Topic, Body);

        var first = verifier.Verify(Topic, message);
        Assert.True(first.Accepted, first.Reason);
        Assert.Equal(Body, first.Body);
        Assert.Equal(1UL, first.Counter);
        Assert.Equal(RejectReasons.Replay, verifier.Verify(Topic, message).Reason);
        Assert.Equal(2UL, verifier.Verify(Topic, signer.Seal(Topic, Body)).Counter);
    }

    [Fact]
    public void Layout_is_header_length_body_signature()
    {
        var time = new ManualTime();
        var message = new AckSigner(Actuator, ActuatorKey, CounterStore.InMemory(), time).Seal(Topic, Body);
        int h = 23 + Actuator.Length;
        Assert.Equal(h + 2 + Body.Length + 64, message.Length);
        Assert.Equal([0x01, 0x03, (byte)Actuator.Length], message[..3]);
        Assert.Equal(AckEnvelope.KeyIdOf(ActuatorKey), BinaryPrimitives.ReadUInt32BigEndian(message.AsSpan(3 + Actuator.Length)));
        Assert.Equal(time.Now.ToUnixTimeMilliseconds(), BinaryPrimitives.ReadInt64BigEndian(message.AsSpan(15 + Actuator.Length)));
        Assert.Equal(Body.Length, BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(h)));
        Assert.Equal(Body, message[(h + 2)..(h + 2 + Body.Length)]);
    }

    [Fact]
    public void Another_key_is_refused_before_the_signature_and_a_copied_key_id_fails_the_signature()
    {
        var time = new ManualTime();
        var verifier = Verifier(time);
        var forger = TestKeys.Shared.AttackerDsaPrivate;
        var forged = new AckSigner(Actuator, forger, new StartAtCounterStore(1_000_000), time).Seal(Topic, Body);
        Assert.Equal(RejectReasons.UnknownKey, verifier.Verify(Topic, forged).Reason);

        // The key id is public: the forger copies the actuator's, and the DSA signature still refuses it.
        BinaryPrimitives.WriteUInt32BigEndian(forged.AsSpan(3 + Actuator.Length), AckEnvelope.KeyIdOf(ActuatorKey));
        Assert.Equal(RejectReasons.BadSignature, verifier.Verify(Topic, forged).Reason);

        // A failed forgery does not burn the counter it used.
        var legit = new AckSigner(Actuator, ActuatorKey, new StartAtCounterStore(1_000_000), time).Seal(Topic, Body);
        Assert.True(verifier.Verify(Topic, legit).Accepted);
    }

    [Fact]
    public void An_acknowledgement_moved_to_another_device_or_topic_is_refused()
    {
        var time = new ManualTime();
        var verifier = Verifier(time);
        var message = new AckSigner(Actuator, ActuatorKey, CounterStore.InMemory(), time).Seal(Topic, Body);
        // Another device this process speaks for: the topic is bound into the signature.
        Assert.Equal(RejectReasons.BadSignature, verifier.Verify(OtherTopic, message).Reason);
        // A topic that is not one of this process's acknowledgement topics.
        Assert.Equal(RejectReasons.WrongTopic, verifier.Verify("smarthome/acks/door-front", message).Reason);
        Assert.True(verifier.Verify(Topic, message).Accepted);
    }

    [Fact]
    public void Not_the_actuator_stale_or_malformed_is_refused()
    {
        var time = new ManualTime();
        var verifier = Verifier(time);
        var other = new AckSigner("plug-garage", ActuatorKey, CounterStore.InMemory(), time).Seal(Topic, Body);
        Assert.Equal(RejectReasons.UnknownSender, verifier.Verify(Topic, other).Reason);

        var signer = new AckSigner(Actuator, ActuatorKey, CounterStore.InMemory(), time);
        var old = signer.Seal(Topic, Body);
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(RejectReasons.Stale, verifier.Verify(Topic, old).Reason);

        var message = signer.Seal(Topic, Body);
        Assert.Equal(RejectReasons.Malformed, verifier.Verify(Topic, message[..^1]).Reason);
        Assert.Equal(RejectReasons.Malformed, verifier.Verify(Topic, [.. message, 0]).Reason);
        Assert.Equal(RejectReasons.Oversize, verifier.Verify(Topic, new byte[4097]).Reason);
        Assert.True(verifier.Verify(Topic, message).Accepted);
    }

    [Fact]
    public void Every_single_bit_flip_is_refused()
    {
        var time = new ManualTime();
        var signer = new AckSigner(Actuator, ActuatorKey, CounterStore.InMemory(), time);
        var verifier = Verifier(time);
        var message = signer.Seal(Topic, Body);
        for (int i = 0; i < message.Length * 8; i++)
        {
            var flipped = (byte[])message.Clone();
            flipped[i / 8] ^= (byte)(1 << (i % 8));
            Assert.False(verifier.Verify(Topic, flipped).Accepted, $"bit {i} flipped was accepted");
        }

        Assert.True(verifier.Verify(Topic, message).Accepted);
    }

    [Fact]
    public void A_restarted_device_keeps_refusing_acknowledgements_it_accepted_and_a_restarted_actuator_counts_on()
    {
        var time = new ManualTime();
        var replayFile = Path.Combine(Path.GetTempPath(), "ack-replay-" + Guid.NewGuid().ToString("N") + ".bin");
        var counters = Path.Combine(Path.GetTempPath(), "ack-counters-" + Guid.NewGuid().ToString("N"));
        try
        {
            var signer = new AckSigner(Actuator, ActuatorKey, CounterStore.InDirectory(counters), time, counterBlockSize: 10);
            byte[] accepted;
            using (var store = ReplayStore.OpenFile(replayFile))
            {
                accepted = signer.Seal(Topic, Body);
                Assert.True(Verifier(time, store).Verify(Topic, accepted).Accepted);
            }

            using (var store = ReplayStore.OpenFile(replayFile))
            {
                var restarted = Verifier(time, store);
                Assert.Equal(RejectReasons.Replay, restarted.Verify(Topic, accepted).Reason);
                var afterActuatorRestart = new AckSigner(Actuator, ActuatorKey, CounterStore.InDirectory(counters), time, counterBlockSize: 10).Seal(Topic, Body);
                var verified = restarted.Verify(Topic, afterActuatorRestart);
                Assert.True(verified.Accepted, verified.Reason);
                Assert.True(verified.Counter > 10);
            }
        }
        finally
        {
            File.Delete(replayFile);
            if (Directory.Exists(counters))
            {
                Directory.Delete(counters, recursive: true);
            }
        }
    }
}
