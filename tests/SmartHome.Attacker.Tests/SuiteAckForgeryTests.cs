using NSec.Cryptography;
using SmartHome.Security;

namespace SmartHome.Attacker.Tests;

/// <summary>
/// The v2 acknowledgements ack-forgery sends to a victim in a v2 suite: well formed (signed with the actuator's own key the
/// device's verifier takes one, so a refusal is the key's doing), and refused when signed with a level's key.
/// </summary>
public sealed class SuiteAckForgeryTests
{
    private const string Topic = "smarthome/acks/temp-living";
    private static readonly byte[] Body = [0x01, 0x01, 0x01, 0x02, (byte)'m', (byte)'1', 0x00];

    private static AckVerifier Device(CryptoSuite suite, PublicKey actuator) =>
        new(new Ed25519AckScheme(suite, actuator), new AckReplayGuard("actuator", ReplayStore.InMemory(), TimeSpan.FromSeconds(30)), t => t == Topic);

    [Theory]
    [InlineData(CryptoSuite.Modern)]
    [InlineData(CryptoSuite.SessionSigned)]
    public void A_forged_v2_acknowledgement_fails_only_its_signature(CryptoSuite suite)
    {
        using var actuator = Key.Create(SignatureAlgorithm.Ed25519);
        using var level = Key.Create(SignatureAlgorithm.Ed25519);
        uint keyId = AckEnvelope.KeyIdOf(actuator.PublicKey);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var device = Device(suite, actuator.PublicKey);

        var forged = device.Verify(Topic, EnvelopeForge.SuiteAcknowledgement(suite, "actuator", keyId, 1000, now, Body, level, Topic));
        Assert.Equal(RejectReasons.BadSignature, forged.Reason);

        var genuine = device.Verify(Topic, EnvelopeForge.SuiteAcknowledgement(suite, "actuator", keyId, 1001, now, Body, actuator, Topic));
        Assert.True(genuine.Accepted, genuine.Detail);
    }
}
