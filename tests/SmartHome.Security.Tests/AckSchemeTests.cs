using System.Buffers.Binary;
using System.Security.Cryptography;
using NSec.Cryptography;

namespace SmartHome.Security.Tests;

/// <summary>
/// v2 acknowledgements (Ed25519, a v2 suite) beside v1 (DSA, seed): the same signer and verifier with another scheme, one
/// counter and one replay window for both, and neither accepted where the device expects the other (no downgrade).
/// </summary>
public sealed class AckSchemeTests
{
    private const string Actuator = "actuator";
    private const string Topic = "smarthome/acks/temp-living";

    private static readonly byte[] Body = [0x01, 0x01, 0x01, 0x02, (byte)'m', (byte)'1', 0x00];

    private static readonly Lazy<DSA> LazyDsa = new(() =>
    {
        var key = DSA.Create(2048);
        _ = key.ExportParameters(true);
        return key;
    });

    private static readonly Key Ed25519Key = Key.Create(SignatureAlgorithm.Ed25519);

    private static AckVerifier Verifier(IAckScheme scheme, AckReplayGuard guard) => new(scheme, guard, t => t == Topic);

    private static AckReplayGuard Guard(ManualTime time) => new(Actuator, ReplayStore.InMemory(), TimeSpan.FromSeconds(30), time);

    [Theory]
    [InlineData(CryptoSuite.Modern)]
    [InlineData(CryptoSuite.SessionSigned)]
    public void A_v2_acknowledgement_has_the_v2_header_and_verifies_once(CryptoSuite suite)
    {
        var time = new ManualTime();
        var signer = new AckSigner(new Ed25519AckScheme(suite, Ed25519Key), new AckCounter(Actuator, CounterStore.InMemory()), time);
        var message = signer.Seal(Topic, Body);

        int h = SuiteFormat.FixedHeaderSize + Actuator.Length;
        Assert.Equal(h + 2 + Body.Length + SuiteFormat.SignatureSize, message.Length);
        Assert.Equal([0x02, 0x03, (byte)suite, (byte)Actuator.Length, .. "actuator"u8], message[..(4 + Actuator.Length)]);
        Assert.Equal(AckEnvelope.KeyIdOf(Ed25519Key.PublicKey), BinaryPrimitives.ReadUInt32BigEndian(message.AsSpan(4 + Actuator.Length)));
        Assert.Equal(1UL, BinaryPrimitives.ReadUInt64BigEndian(message.AsSpan(8 + Actuator.Length)));
        Assert.Equal(time.Now.ToUnixTimeMilliseconds(), BinaryPrimitives.ReadInt64BigEndian(message.AsSpan(16 + Actuator.Length)));
        Assert.Equal(Body, message[(h + 2)..(h + 2 + Body.Length)]);
        // Ed25519 over header ‖ body ‖ topic binding, checked here with NSec directly.
        byte[] binding = new byte[Topic.Length + 2];
        Assert.Equal(binding.Length, EnvelopeFormat.WriteTopicBinding(Topic, binding));
        Assert.True(SignatureAlgorithm.Ed25519.Verify(Ed25519Key.PublicKey, [.. message[..(h + 2 + Body.Length)], .. binding],
            message[(h + 2 + Body.Length)..]));

        var verifier = Verifier(new Ed25519AckScheme(suite, Ed25519Key.PublicKey), Guard(time));
        var first = verifier.Verify(Topic, message);
        Assert.True(first.Accepted, first.Detail);
        Assert.Equal(Body, first.Body);
        Assert.Equal(RejectReasons.Replay, verifier.Verify(Topic, message).Reason);
    }

    [Fact]
    public void A_v2_acknowledgement_is_refused_when_tampered_moved_stale_or_under_another_key()
    {
        var time = new ManualTime();
        var signer = new AckSigner(new Ed25519AckScheme(CryptoSuite.Modern, Ed25519Key), new AckCounter(Actuator, CounterStore.InMemory()), time);
        var verifier = Verifier(new Ed25519AckScheme(CryptoSuite.Modern, Ed25519Key.PublicKey), Guard(time));

        var tampered = signer.Seal(Topic, Body);
        tampered[^65] ^= 0x01; // last body byte
        Assert.Equal(RejectReasons.BadSignature, verifier.Verify(Topic, tampered).Reason);

        // Key id rewritten to the actuator's: the signature of another key still fails.
        using var other = Key.Create(SignatureAlgorithm.Ed25519);
        var forged = new AckSigner(new Ed25519AckScheme(CryptoSuite.Modern, other), new AckCounter(Actuator, CounterStore.InMemory()), time)
            .Seal(Topic, Body);
        Assert.Equal(RejectReasons.UnknownKey, verifier.Verify(Topic, forged).Reason);
        BinaryPrimitives.WriteUInt32BigEndian(forged.AsSpan(4 + Actuator.Length), AckEnvelope.KeyIdOf(Ed25519Key.PublicKey));
        Assert.Equal(RejectReasons.BadSignature, verifier.Verify(Topic, forged).Reason);

        var moved = signer.Seal("smarthome/acks/door-front", Body);
        Assert.Equal(RejectReasons.WrongTopic, verifier.Verify("smarthome/acks/door-front", moved).Reason);
        Assert.Equal(RejectReasons.BadSignature, verifier.Verify(Topic, moved).Reason);

        var old = signer.Seal(Topic, Body);
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(RejectReasons.Stale, verifier.Verify(Topic, old).Reason);
        Assert.Equal(RejectReasons.Malformed, verifier.Verify(Topic, old[..^1]).Reason);
        Assert.True(verifier.Verify(Topic, signer.Seal(Topic, Body)).Accepted);
    }

    [Fact]
    public void A_device_in_a_v2_suite_refuses_a_DSA_acknowledgement_and_a_seed_device_a_v2_one()
    {
        var time = new ManualTime();
        var counter = new AckCounter(Actuator, CounterStore.InMemory());
        var dsaSigner = new AckSigner(new DsaAckScheme(LazyDsa.Value), counter, time);
        var modernSigner = new AckSigner(new Ed25519AckScheme(CryptoSuite.Modern, Ed25519Key), counter, time);
        var guard = Guard(time);
        var seedDevice = Verifier(new DsaAckScheme(LazyDsa.Value), guard);
        var modernDevice = Verifier(new Ed25519AckScheme(CryptoSuite.Modern, Ed25519Key.PublicKey), guard);
        var sessionDevice = Verifier(new Ed25519AckScheme(CryptoSuite.SessionSigned, Ed25519Key.PublicKey), guard);

        var downgrade = modernDevice.Verify(Topic, dsaSigner.Seal(Topic, Body));
        Assert.Equal(RejectReasons.SuiteNotAllowed, downgrade.Reason);
        Assert.Contains("v1 (DSA)", downgrade.Detail, StringComparison.Ordinal);

        var v2 = modernSigner.Seal(Topic, Body);
        var upgrade = seedDevice.Verify(Topic, v2);
        Assert.Equal(RejectReasons.SuiteNotAllowed, upgrade.Reason);
        Assert.Contains("modern", upgrade.Detail, StringComparison.Ordinal);
        Assert.Equal(RejectReasons.SuiteNotAllowed, sessionDevice.Verify(Topic, v2).Reason);

        // Relabelled to the other v2 suite: the suite byte is signed.
        byte[] relabelled = [.. v2];
        relabelled[2] = (byte)CryptoSuite.SessionSigned;
        Assert.Equal(RejectReasons.BadSignature, sessionDevice.Verify(Topic, relabelled).Reason);

        // Refusals consumed nothing: the right verifier still takes it.
        Assert.True(modernDevice.Verify(Topic, v2).Accepted);
    }

    [Fact]
    public void Both_versions_draw_one_counter_and_share_one_replay_window()
    {
        var time = new ManualTime();
        var counter = new AckCounter(Actuator, CounterStore.InMemory());
        var dsa = new AckSigner(new DsaAckScheme(LazyDsa.Value), counter, time).Seal(Topic, Body);
        var v2 = new AckSigner(new Ed25519AckScheme(CryptoSuite.Modern, Ed25519Key), counter, time).Seal(Topic, Body);
        var guard = Guard(time);

        var first = Verifier(new DsaAckScheme(LazyDsa.Value), guard).Verify(Topic, dsa);
        var second = Verifier(new Ed25519AckScheme(CryptoSuite.Modern, Ed25519Key.PublicKey), guard).Verify(Topic, v2);
        Assert.Equal((1UL, 2UL), (first.Counter, second.Counter));
        Assert.Equal(2UL, guard.HighestCounter);
    }

    [Fact]
    public void A_v2_verifier_holds_no_private_key_and_a_seed_scheme_is_not_a_v2_one()
    {
        var verifyOnly = new Ed25519AckScheme(CryptoSuite.Modern, Ed25519Key.PublicKey);
        Assert.Throws<InvalidOperationException>(() => verifyOnly.Sign([1], [2], new byte[64]));
        Assert.Throws<ArgumentException>(() => new Ed25519AckScheme(CryptoSuite.Seed, Ed25519Key));
    }
}
