using SmartHome.Contracts;

namespace SmartHome.Attacker;

/// <summary>
/// malformed and oversized: payloads the actuator's parser must refuse without harm, on a reading topic the level may
/// write to; the actuator must still be healthy afterwards.
/// </summary>
internal sealed class BadInputAttack(string name, Func<int, byte[]> payload) : IAttack
{
    public static BadInputAttack Malformed { get; } = new(Attacks.Malformed, Payloads.Malformed);

    public static BadInputAttack Oversized { get; } = new(Attacks.Oversized, Payloads.Oversized);

    public string Name => name;

    public async Task<AttackResult> RunAsync(AttackContext context, AttackLevel level, AttackInput input, CancellationToken ct)
    {
        var topic = Targets.WritableReadingTopic(level);
        var attempts = Enumerable.Range(0, input.Attempts).Select(i =>
        {
            var id = context.NewAttemptId(name);
            return new PlannedAttempt(id, [new PlannedMessage(topic, payload(i), id)]);
        }).ToList();
        await using var session = await context.ConnectAsync(level, name, ct).ConfigureAwait(false);
        var judged = await context.Judge.PublishAndJudgeAsync(name, level, session, attempts, $"payloads on {topic}.", ct).ConfigureAwait(false);
        var alive = await context.Victim.ActuatorHealthyAsync(ct).ConfigureAwait(false);
        return judged with { Notes = judged.Notes + (alive ? " Actuator healthy afterwards." : " ACTUATOR NOT HEALTHY afterwards.") };
    }
}
