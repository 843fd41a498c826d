using System.Security.Cryptography;
using SmartHome.Messaging;
using SmartHome.Security;

namespace SmartHome.Attacker;

/// <summary>
/// Attacks on authorization rather than authentication: a device's own identity asking for what the device is not for
/// (capability-abuse), or for values no such device can report (implausible-value). Both are judged by the actuator's
/// decision log like every other attack; on the secure pipeline the insider's messages are correctly sealed and signed
/// with the stolen plug-garage key, so only the device registry stands between them and the home.
/// </summary>
public sealed partial class Campaign
{
    /// <summary>What a smart plug's identity would make the home do if the actuator trusted its kind: unlock, siren, heating.</summary>
    private static readonly (DeviceKind Kind, double Value)[] ForeignFunctions =
        [(DeviceKind.Door, 1), (DeviceKind.Smoke, 50), (DeviceKind.Temperature, 15)];

    /// <summary>The insider's own session for the stolen identity: announced once per campaign, then used by its attacks.</summary>
    private InsiderSession? _insiderSession;

    private Task<AttackResult> CapabilityAbuseAsync(AttackLevel level, int n, CancellationToken ct) =>
        OwnIdentityAsync(Attacks.CapabilityAbuse, level, n, i => ForeignFunctions[i % ForeignFunctions.Length],
            "readings of the door lock, smoke alarm and thermostat's kinds (door open 1, smoke 50 %, 15 °C) sent as plug-garage", ct);

    private Task<AttackResult> ImplausibleValueAsync(AttackLevel level, int n, CancellationToken ct) =>
        OwnIdentityAsync(Attacks.ImplausibleValue, level, n, i => (DeviceKind.Power, i % 2 == 0 ? 1_000_000 : -500),
            "power readings of plug-garage no plug can report (1,000,000 W and -500 W; registered range 0..4,000 W)", ct);

    /// <summary>
    /// Sends readings as <see cref="InsiderDevice"/> on its own topic. The insider seals them under a session key it
    /// announced with the stolen key; the other levels do what they can (plaintext on the insecure pipeline, the
    /// attacker's own key on the secure one).
    /// </summary>
    private async Task<AttackResult> OwnIdentityAsync(string attack, AttackLevel level, int n, Func<int, (DeviceKind Kind, double Value)> reading,
        string what, CancellationToken ct)
    {
        var topic = Topics.Readings(InsiderDevice);
        var insiderSealed = settings.Secure && level == AttackLevel.Insider;
        var attempts = new List<PlannedAttempt>(n);
        for (var i = 0; i < n; i++)
        {
            var id = NewAttemptId(attack);
            var (kind, value) = reading(i);
            var plaintext = new DeviceReading("forged-" + Guid.NewGuid().ToString("N")[..20], InsiderDevice, kind, value, 1,
                DeviceReading.NowMicros(TimeProvider.System)).ToUtf8Json();
            var messages = new List<PlannedMessage>(2);
            if (!settings.Secure)
            {
                messages.Add(new PlannedMessage(topic, plaintext, id));
            }
            else if (insiderSealed)
            {
                var session = InsiderSessionFor(out var announcement);
                if (announcement is not null)
                {
                    messages.Add(new PlannedMessage(Topics.Keys(InsiderDevice), announcement, id + ":key"));
                }

                messages.Add(new PlannedMessage(topic, session.Seal(plaintext, topic, SigningKey(level)), id));
            }
            else
            {
                messages.Add(new PlannedMessage(topic, EnvelopeForge.Data(InsiderDevice, RandomKeyId(), FreshCounter(i),
                    DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), RandomNumberGenerator.GetBytes(4), RandomNumberGenerator.GetBytes(32),
                    plaintext, SigningKey(level), topic), id));
            }

            attempts.Add(new PlannedAttempt(id, messages, value));
        }

        await using var connection = await ConnectAsync(level, attack, ct).ConfigureAwait(false);
        var how = !settings.Secure
            ? "plaintext; the insecure actuator checks the same device registry"
            : insiderSealed
                ? "sealed under a session key announced with the stolen plug-garage key and signed with it: authentic, so only the device registry can refuse them"
                : "signed with the attacker's own key (this level holds no device key)";
        return await PublishAndJudgeAsync(attack, level, connection, attempts, $"{what}; {how}.", ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The insider's session for the stolen identity; the first call also returns the announcement to publish before
    /// the first message under it. Its counters start above anything the real device used, so they pass the replay
    /// window — which is also why the real plug-garage's next readings fall below it: whoever holds a device's key can
    /// jam that device.
    /// </summary>
    private InsiderSession InsiderSessionFor(out byte[]? announcement)
    {
        announcement = null;
        if (_insiderSession is null)
        {
            var session = new InsiderSession(RandomKeyId(), RandomNumberGenerator.GetBytes(4), RandomNumberGenerator.GetBytes(32), FreshCounter(0));
            announcement = Forge().Announcement(InsiderDevice, session.KeyId, session.NextCounter(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
                session.Salt, session.Key, SigningKey(AttackLevel.Insider), Topics.Keys(InsiderDevice));
            _insiderSession = session;
        }

        return _insiderSession;
    }

    /// <summary>A session key the insider announced for the stolen identity, and the counters it used under it.</summary>
    private sealed class InsiderSession(uint keyId, byte[] salt, byte[] key, ulong firstCounter)
    {
        private ulong _next = firstCounter;

        public uint KeyId { get; } = keyId;

        public byte[] Salt { get; } = salt;

        public byte[] Key { get; } = key;

        public ulong NextCounter() => Interlocked.Increment(ref _next) - 1;

        public byte[] Seal(byte[] plaintext, string topic, DSA signer) =>
            EnvelopeForge.Data(InsiderDevice, KeyId, NextCounter(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Salt, Key, plaintext, signer, topic);
    }
}
