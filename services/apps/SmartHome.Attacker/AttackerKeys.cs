using System.Security.Cryptography;
using SmartHome.Contracts;
using SmartHome.Messaging;
using SmartHome.Security;

namespace SmartHome.Attacker;

/// <summary>
/// The keys the attacker holds, loaded on first use and disposed with the campaign: the stolen plug-garage DSA key (the
/// insider), its own DSA key (every other level), and the actuator's public RSA key (to wrap session keys it announces).
/// </summary>
internal sealed class AttackerKeys(CampaignSettings settings) : IDisposable
{
    // DSA-2048 key generation takes ~0.5 s; one per process is enough.
    private static readonly Lazy<DSAParameters> OwnKeyParameters = new(() =>
    {
        using var dsa = DSA.Create(2048);
        return dsa.ExportParameters(includePrivateParameters: true);
    });

    private DSA? _stolenKey;
    private DSA? _ownKey;
    private RSA? _actuatorPublicKey;
    private EnvelopeForge? _forge;
    private InsiderSession? _insiderSession;
    private NSec.Cryptography.Key? _stolenSuiteKey;
    private NSec.Cryptography.Key? _ownSuiteKey;
    private NSec.Cryptography.PublicKey? _actuatorAgreementKey;

    /// <summary>
    /// The actuator's X25519 public key (v2 suites): <c>x25519.pub.pem</c> next to its RSA public key (keys/actuator/), public
    /// like it.
    /// </summary>
    public NSec.Cryptography.PublicKey ActuatorAgreementKey => _actuatorAgreementKey ??= KeyFiles.LoadX25519Public(Path.Combine(
        Path.GetDirectoryName(settings.Secrets.ActuatorPublicKey ?? new KeyPaths(KeyPaths.FindDefaultRoot()).ActuatorPublicKey)!, "x25519.pub.pem"));

    /// <summary>
    /// The Ed25519 key a level signs v2 messages with: the insider's stolen plug-garage key (<c>ed25519.key.pem</c> in the
    /// identity folder its stolen DSA key came from: the theft takes the device's folder), a fresh key of its own otherwise.
    /// </summary>
    public NSec.Cryptography.Key SuiteSigningKey(AttackLevel level)
    {
        if (level == AttackLevel.Insider)
        {
            var stolen = settings.Secrets.StolenSigningKey
                         ?? throw new InvalidOperationException(
                             $"No stolen signing key of {AttackerIdentities.InsiderDevice}: set {AttackerSecrets.StolenSigningKeyKey}.");
            return _stolenSuiteKey ??= KeyFiles.LoadEd25519Private(Path.Combine(Path.GetDirectoryName(stolen)!, "ed25519.key.pem"));
        }

        return _ownSuiteKey ??= NSec.Cryptography.Key.Create(SuiteFormat.Signature);
    }

    /// <summary>Writes envelopes wrapped for the actuator's public key.</summary>
    public EnvelopeForge Forge
    {
        get
        {
            if (_forge is null)
            {
                var path = settings.Secrets.ActuatorPublicKey ?? new KeyPaths(KeyPaths.FindDefaultRoot()).ActuatorPublicKey;
                _actuatorPublicKey = KeyFiles.LoadRsa(path, requirePrivate: false);
                _forge = new EnvelopeForge(_actuatorPublicKey);
            }

            return _forge;
        }
    }

    /// <summary>The DSA key a level signs with: the stolen plug-garage key for the insider, its own fresh key otherwise.</summary>
    public DSA SigningKey(AttackLevel level)
    {
        if (level == AttackLevel.Insider)
        {
            // The modelled insider theft: the one device key the attacker was handed (Attacker:StolenSigningKey).
            var stolen = settings.Secrets.StolenSigningKey
                         ?? throw new InvalidOperationException(
                             $"No stolen signing key of {AttackerIdentities.InsiderDevice}: set {AttackerSecrets.StolenSigningKeyKey}.");
            return _stolenKey ??= KeyFiles.LoadDsa(stolen, requirePrivate: true);
        }

        if (_ownKey is null)
        {
            _ownKey = DSA.Create();
            _ownKey.ImportParameters(OwnKeyParameters.Value);
        }

        return _ownKey;
    }

    /// <summary>A forged reading of <paramref name="deviceId"/> in the pipeline's format (plaintext, or an envelope signed with the level's key).</summary>
    public byte[] ForgedReading(AttackLevel level, string deviceId, string topic, double value, ulong counter, uint? keyId)
    {
        var reading = Payloads.ForgedReading(deviceId, value, DeviceReading.NowMicros(TimeProvider.System)).ToUtf8Json();
        if (!settings.Secure)
        {
            return reading;
        }

        return EnvelopeForge.Data(deviceId, keyId ?? ForgeryValues.RandomKeyId(), counter, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            RandomNumberGenerator.GetBytes(4), RandomNumberGenerator.GetBytes(32), reading, SigningKey(level), topic);
    }

    /// <summary>
    /// The insider's session for the stolen identity, announced once per campaign; the first call also returns the
    /// announcement to publish before the first message under it.
    /// </summary>
    public InsiderSession StolenIdentitySession(out byte[]? announcement)
    {
        announcement = null;
        if (_insiderSession is null)
        {
            var session = new InsiderSession(ForgeryValues.RandomKeyId(), RandomNumberGenerator.GetBytes(4), RandomNumberGenerator.GetBytes(32),
                ForgeryValues.FreshCounter(0));
            announcement = Forge.Announcement(AttackerIdentities.InsiderDevice, session.KeyId, session.NextCounter(),
                DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), session.Salt, session.Key, SigningKey(AttackLevel.Insider),
                Topics.Keys(AttackerIdentities.InsiderDevice));
            _insiderSession = session;
        }

        return _insiderSession;
    }

    public void Dispose()
    {
        _stolenKey?.Dispose();
        _ownKey?.Dispose();
        _stolenSuiteKey?.Dispose();
        _ownSuiteKey?.Dispose();
        _actuatorPublicKey?.Dispose();
    }
}
