using System.Security.Cryptography;
using SmartHome.Contracts;
using SmartHome.Messaging;
using SmartHome.Security;

namespace SmartHome.Attacker.Tests;

public sealed class AttackerKeysTests : IClassFixture<AttackerKeysTests.Keys>
{
    private readonly Keys _keys;

    public AttackerKeysTests(Keys keys) => _keys = keys;

    /// <summary>The actuator's RSA key and the stolen plug-garage DSA key, as files the attacker is handed (generated once per class).</summary>
    public sealed class Keys : IDisposable
    {
        public Keys()
        {
            KeyFiles.WriteAtomic(ActuatorPublicKeyFile, Actuator.ExportSubjectPublicKeyInfoPem(), isPrivate: false);
            KeyFiles.WriteAtomic(StolenKeyFile, PlugGarage.ExportPkcs8PrivateKeyPem(), isPrivate: true);
        }

        public string Folder { get; } = Directory.CreateTempSubdirectory("attacker-keys-").FullName;

        public RSA Actuator { get; } = RSA.Create(2048);

        public DSA PlugGarage { get; } = DSA.Create(2048);

        public string ActuatorPublicKeyFile => Path.Combine(Folder, "actuator.pub.pem");

        public string StolenKeyFile => Path.Combine(Folder, "plug-garage.pem");

        public void Dispose()
        {
            Actuator.Dispose();
            PlugGarage.Dispose();
            Directory.Delete(Folder, recursive: true);
        }
    }

    private CampaignSettings Secure(bool withStolenKey = true) => new("secure", BrokerTarget.Parse("mqtts://localhost:8883", null),
        new AttackerSecrets(new Dictionary<string, string>(), withStolenKey ? _keys.StolenKeyFile : null, _keys.ActuatorPublicKeyFile));

    private EnvelopeReceiver Receiver() =>
        new(_keys.Actuator, [new KeyValuePair<string, DSA>("plug-garage", _keys.PlugGarage)], ReplayStore.InMemory());

    [Fact]
    public void The_insider_signs_with_the_stolen_key_and_the_other_levels_with_the_attackers_own()
    {
        using var keys = new AttackerKeys(Secure());

        var stolen = keys.SigningKey(AttackLevel.Insider);
        var own = keys.SigningKey(AttackLevel.Outsider);

        Assert.Equal(_keys.PlugGarage.ExportSubjectPublicKeyInfo(), stolen.ExportSubjectPublicKeyInfo());
        Assert.NotEqual(stolen.ExportSubjectPublicKeyInfo(), own.ExportSubjectPublicKeyInfo());
        Assert.Same(own, keys.SigningKey(AttackLevel.CompromisedBroker));
        Assert.Same(stolen, keys.SigningKey(AttackLevel.Insider));
    }

    [Fact]
    public void Without_a_stolen_key_the_insider_cannot_sign()
    {
        using var keys = new AttackerKeys(Secure(withStolenKey: false));
        var error = Assert.Throws<InvalidOperationException>(() => keys.SigningKey(AttackLevel.Insider));
        Assert.Contains(AttackerSecrets.StolenSigningKeyKey, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Disposing_the_keys_disposes_what_they_loaded()
    {
        var keys = new AttackerKeys(Secure());
        var stolen = keys.SigningKey(AttackLevel.Insider);
        _ = keys.Forge;
        keys.Dispose();
        Assert.Throws<ObjectDisposedException>(() => stolen.SignData([1, 2, 3], HashAlgorithmName.SHA256));
    }

    [Fact]
    public void The_stolen_identitys_session_is_announced_once_and_the_actuator_accepts_what_it_seals()
    {
        using var keys = new AttackerKeys(Secure());
        using var receiver = Receiver();

        var session = keys.StolenIdentitySession(out var announcement);
        Assert.NotNull(announcement);
        Assert.Same(session, keys.StolenIdentitySession(out var second));
        Assert.Null(second);

        Assert.Equal(ReceiveOutcome.KeyAccepted, receiver.Receive("smarthome/keys/plug-garage", announcement).Outcome);
        var reading = new DeviceReading("m-1", "plug-garage", DeviceKind.Power, 120, 1, 5).ToUtf8Json();
        var opened = receiver.Receive("smarthome/readings/plug-garage", session.Seal(reading, "smarthome/readings/plug-garage", keys.SigningKey(AttackLevel.Insider)));
        Assert.Equal(ReceiveOutcome.Data, opened.Outcome);
        Assert.Equal(reading, opened.Plaintext);
    }

    [Fact]
    public void A_forged_reading_is_plaintext_on_the_insecure_pipeline_and_a_signed_envelope_on_the_secure_one()
    {
        using var insecure = new AttackerKeys(new CampaignSettings("insecure", BrokerTarget.Parse("mqtt://localhost:1883", null), AttackerSecrets.None));
        Assert.True(DeviceReading.TryParse(insecure.ForgedReading(AttackLevel.Outsider, "temp-living", "smarthome/readings/temp-living", 15, 0, null),
            out var plain, out _));
        Assert.Equal(("temp-living", 15.0), (plain!.DeviceId, plain.Value));

        using var secure = new AttackerKeys(Secure());
        var envelope = secure.ForgedReading(AttackLevel.Insider, "plug-garage", "smarthome/readings/plug-garage", 3000, 1UL << 41, 77);
        Assert.True(EnvelopeHeader.TryRead(envelope, out var header));
        Assert.Equal(("plug-garage", 77u, 1UL << 41, (byte)2), (header.SenderId, header.KeyId, header.Counter, header.Type));
    }
}
