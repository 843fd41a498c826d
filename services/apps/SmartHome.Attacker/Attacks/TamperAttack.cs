using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Attacker;

/// <summary>
/// tamper: captured legit readings, changed and republished to their own topic. Insecure: the same message with another
/// value (success = applied with the tampered value); secure: one ciphertext bit flipped, with a fresh counter and
/// timestamp so it must face the AES-GCM tag and the signature.
/// </summary>
internal sealed class TamperAttack : IAttack
{
    public static TamperAttack Instance { get; } = new();

    public string Name => Attacks.Tamper;

    public bool NeedsCaptures => true;

    public async Task<AttackResult> RunAsync(AttackContext context, AttackLevel level, AttackInput input, CancellationToken ct)
    {
        var n = input.Attempts;
        var data = input.Captures.Where(c => Topics.IsReadingTopic(c.Topic)).ToList();
        if (data.Count == 0)
        {
            return context.Skipped(Attacks.Tamper, level, "no legit reading could be captured to tamper with") with { Unjudged = n };
        }

        var attempts = new List<PlannedAttempt>(n);
        for (var i = 0; i < n; i++)
        {
            var capture = data[i % data.Count];
            var id = context.NewAttemptId(Attacks.Tamper);
            if (!context.Secure && Payloads.TamperPlaintext(capture.Payload) is { } tampered)
            {
                attempts.Add(new PlannedAttempt(id, [new PlannedMessage(capture.Topic, tampered.Payload, id)], tampered.NewValue));
            }
            else
            {
                var bytes = Payloads.TamperEnvelope(capture.Payload, ForgeryValues.FreshCounter(i), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())
                            ?? capture.Payload;
                attempts.Add(new PlannedAttempt(id, [new PlannedMessage(capture.Topic, bytes, id)]));
            }
        }

        await using var session = await context.ConnectAsync(level, "tamper", ct).ConfigureAwait(false);
        var notes = context.Secure
            ? "captured envelopes (leaked from the broker) with one ciphertext bit flipped and a fresh counter/timestamp, republished to their own topic."
            : "captured readings with the value changed (same message id), republished to their own topic; success = applied with the tampered value.";
        return await context.Judge.PublishAndJudgeAsync(Attacks.Tamper, level, session, attempts, notes, ct).ConfigureAwait(false);
    }
}
