using System.Security.Cryptography;
using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Attacker;

/// <summary>
/// key-substitution: announce an attacker-chosen session key for the victim device (wrapped for the actuator's public
/// RSA key and signed with the level's DSA key), then send data under it. Only the signature can tell it from the
/// device's own announcement.
/// </summary>
internal sealed class KeySubstitutionAttack : IAttack
{
    public static KeySubstitutionAttack Instance { get; } = new();

    public string Name => Attacks.KeySubstitution;

    public async Task<AttackResult> RunAsync(AttackContext context, AttackLevel level, AttackInput input, CancellationToken ct)
    {
        var n = input.Attempts;
        var keys = context.Keys;
        var keyTopic = Topics.Keys(Targets.VictimDevice);
        var dataTopic = Topics.Readings(Targets.VictimDevice);
        var attempts = new List<PlannedAttempt>(n);
        for (var i = 0; i < n; i++)
        {
            var id = context.NewAttemptId(Attacks.KeySubstitution);
            if (!context.Secure)
            {
                // No session keys exist: the forged reading is simply accepted.
                attempts.Add(new PlannedAttempt(id,
                    [new PlannedMessage(dataTopic, keys.ForgedReading(level, Targets.VictimDevice, dataTopic, 15.0, 0, null), id)]));
                continue;
            }

            var keyId = ForgeryValues.RandomKeyId();
            var salt = RandomNumberGenerator.GetBytes(4);
            var aes = RandomNumberGenerator.GetBytes(32);
            var counter = ForgeryValues.FreshCounter(2 * i);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var announcement = keys.Forge.Announcement(Targets.VictimDevice, keyId, counter, now, salt, aes, keys.SigningKey(level), keyTopic);
            var reading = Payloads.ForgedReading(Targets.VictimDevice, 15.0, DeviceReading.NowMicros(TimeProvider.System)).ToUtf8Json();
            var data = EnvelopeForge.Data(Targets.VictimDevice, keyId, counter + 1, now, salt, aes, reading, keys.SigningKey(level), dataTopic);
            attempts.Add(new PlannedAttempt(id, [new PlannedMessage(keyTopic, announcement, id + ":key"), new PlannedMessage(dataTopic, data, id)]));
        }

        await using var session = await context.ConnectAsync(level, "keysub", ct).ConfigureAwait(false);
        var notes = context.Secure
            ? $"announces an attacker session key for {Targets.VictimDevice} (wrapped for the actuator's public RSA key, signed with {(level == AttackLevel.Insider ? "the stolen plug-garage key" : "the attacker's key")}), then data under it."
            : "the insecure pipeline has no session keys: the forged reading that would follow a substituted key is accepted as is.";
        return await context.Judge.PublishAndJudgeAsync(Attacks.KeySubstitution, level, session, attempts, notes, ct).ConfigureAwait(false);
    }
}
