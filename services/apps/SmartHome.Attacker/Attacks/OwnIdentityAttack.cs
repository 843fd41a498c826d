using System.Security.Cryptography;
using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Attacker;

/// <summary>
/// capability-abuse and implausible-value: attacks on authorization rather than authentication. A device's own identity
/// (plug-garage, on its own topic) asks for what the device is not for, or reports values no such device can. On the
/// secure pipeline the insider's messages are correctly sealed and signed with the stolen plug-garage key, so only the
/// device registry stands between them and the home; the other levels do what they can (plaintext on the insecure
/// pipeline, the attacker's own key on the secure one).
/// </summary>
internal sealed class OwnIdentityAttack(string name, Func<int, (DeviceKind Kind, double Value)> reading, string what) : IAttack
{
    /// <summary>What a smart plug's identity would make the home do if the actuator trusted its kind: unlock, siren, heating.</summary>
    private static readonly (DeviceKind Kind, double Value)[] ForeignFunctions =
        [(DeviceKind.Door, 1), (DeviceKind.Smoke, 50), (DeviceKind.Temperature, 15)];

    public static OwnIdentityAttack CapabilityAbuse { get; } = new(Attacks.CapabilityAbuse, i => ForeignFunctions[i % ForeignFunctions.Length],
        "readings of the door lock, smoke alarm and thermostat's kinds (door open 1, smoke 50 %, 15 °C) sent as plug-garage");

    public static OwnIdentityAttack ImplausibleValue { get; } = new(Attacks.ImplausibleValue, i => (DeviceKind.Power, i % 2 == 0 ? 1_000_000 : -500),
        "power readings of plug-garage no plug can report (1,000,000 W and -500 W; registered range 0..4,000 W)");

    public string Name => name;

    public async Task<AttackResult> RunAsync(AttackContext context, AttackLevel level, AttackInput input, CancellationToken ct)
    {
        var n = input.Attempts;
        var keys = context.Keys;
        var device = AttackerIdentities.InsiderDevice;
        var topic = Topics.Readings(device);
        var insiderSealed = context.Secure && level == AttackLevel.Insider;
        var attempts = new List<PlannedAttempt>(n);
        for (var i = 0; i < n; i++)
        {
            var id = context.NewAttemptId(name);
            var (kind, value) = reading(i);
            var plaintext = new DeviceReading("forged-" + Guid.NewGuid().ToString("N")[..20], device, kind, value, 1,
                DeviceReading.NowMicros(TimeProvider.System)).ToUtf8Json();
            var messages = new List<PlannedMessage>(2);
            if (!context.Secure)
            {
                messages.Add(new PlannedMessage(topic, plaintext, id));
            }
            else if (insiderSealed)
            {
                var session = keys.StolenIdentitySession(out var announcement);
                if (announcement is not null)
                {
                    messages.Add(new PlannedMessage(Topics.Keys(device), announcement, id + ":key"));
                }

                messages.Add(new PlannedMessage(topic, session.Seal(plaintext, topic, keys.SigningKey(level)), id));
            }
            else
            {
                messages.Add(new PlannedMessage(topic, EnvelopeForge.Data(device, ForgeryValues.RandomKeyId(), ForgeryValues.FreshCounter(i),
                    DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), RandomNumberGenerator.GetBytes(4), RandomNumberGenerator.GetBytes(32),
                    plaintext, keys.SigningKey(level), topic), id));
            }

            attempts.Add(new PlannedAttempt(id, messages, value));
        }

        await using var connection = await context.ConnectAsync(level, name, ct).ConfigureAwait(false);
        var how = !context.Secure
            ? "plaintext; the insecure actuator checks the same device registry"
            : insiderSealed
                ? "sealed under a session key announced with the stolen plug-garage key and signed with it: authentic, so only the device registry can refuse them"
                : "signed with the attacker's own key (this level holds no device key)";
        return await context.Judge.PublishAndJudgeAsync(name, level, connection, attempts, $"{what}; {how}.", ct).ConfigureAwait(false);
    }
}
