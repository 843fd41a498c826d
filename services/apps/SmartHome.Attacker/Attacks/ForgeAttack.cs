using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Attacker;

/// <summary>
/// inject and retained-poisoning: forged readings of the victim device in the pipeline's format (plaintext, or an
/// envelope signed with the level's key, with fresh counters so it must face the signature). retained-poisoning sets the
/// retain flag: a forgery the broker kept would be handed to every future subscriber.
/// </summary>
internal sealed class ForgeAttack(string name, bool retain) : IAttack
{
    public static ForgeAttack Inject { get; } = new(Attacks.Inject, retain: false);

    public static ForgeAttack RetainedPoisoning { get; } = new(Attacks.RetainedPoisoning, retain: true);

    public string Name => name;

    public async Task<AttackResult> RunAsync(AttackContext context, AttackLevel level, AttackInput input, CancellationToken ct)
    {
        var topic = Topics.Readings(Targets.VictimDevice);
        // Only the compromised broker sees envelope headers, so only it can copy the victim's current key id.
        var captures = context.Secure && level == AttackLevel.CompromisedBroker ? await context.Control.HarvestAsync(4, ct).ConfigureAwait(false) : null;
        var keyId = ForgeryValues.ObservedKeyId(captures, Targets.VictimDevice);
        var attempts = Enumerable.Range(0, input.Attempts).Select(i =>
        {
            var id = context.NewAttemptId(name);
            // 15 °C switches the heating on: a visible effect if it is applied.
            var payload = context.Keys.ForgedReading(level, Targets.VictimDevice, topic, 15.0, ForgeryValues.FreshCounter(i), keyId);
            return new PlannedAttempt(id, [new PlannedMessage(topic, payload, id, retain)]);
        }).ToList();
        await using var session = await context.ConnectAsync(level, name, ct).ConfigureAwait(false);
        var notes = context.Secure
            ? $"forged envelopes for {Targets.VictimDevice} signed with {(level == AttackLevel.Insider ? "the stolen plug-garage key" : "the attacker's own DSA key")}, fresh counters" +
              (keyId is null ? ", random key id" : ", the key id observed on the broker")
            : $"forged plaintext readings on {topic}";
        var result = await context.Judge.PublishAndJudgeAsync(name, level, session, attempts, notes + ".", ct).ConfigureAwait(false);
        if (retain && session.IsConnected)
        {
            // Clean up: a retained forgery would be handed to every future subscriber.
            await session.PublishAsync(topic, [], null, retain: true, ct).ConfigureAwait(false);
        }

        return result;
    }
}
