using System.Diagnostics;
using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Attacker;

/// <summary>
/// Judges attempts on the victim's side, never by what the attacker believes: publishes them, sends a sentinel through
/// the control connection, waits until the victim logged it (so everything before it was delivered or dropped), and
/// turns the victim's log into verdicts with the rules of <see cref="Judge"/>. Every attack that judges by attempt id
/// goes through here.
/// </summary>
internal sealed class AttemptJudge(CampaignSettings settings, Victim victim, ControlChannel control, AttackTelemetry telemetry)
{
    /// <summary>Publishes every attempt (at most <paramref name="concurrency"/> at once, each one's messages in order) and judges them.</summary>
    public async Task<AttackResult> PublishAndJudgeAsync(string attack, AttackLevel level, AttackSession session,
        IReadOnlyList<PlannedAttempt> attempts, string notes, CancellationToken ct, int concurrency = 32)
    {
        var startSeq = await victim.LatestSeqAsync(ct).ConfigureAwait(false);
        var spans = new Dictionary<string, Activity?>(StringComparer.Ordinal);
        if (session.IsConnected)
        {
            using var gate = new SemaphoreSlim(concurrency);
            var tasks = attempts.Select(async attempt =>
            {
                await gate.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    foreach (var message in attempt.Messages)
                    {
                        attempt.Acks[message.AttemptId] = await session.PublishWithRetryAsync(message.Topic, message.Payload, message.AttemptId, message.Retain, ct)
                            .ConfigureAwait(false);
                    }
                }
                finally
                {
                    gate.Release();
                }
            });
            // The publishes start when WhenAll enumerates the tasks, so every span starts before its first message.
            foreach (var attempt in attempts)
            {
                spans[attempt.Id] = telemetry.StartAttempt(attack, level, attempt.Id);
            }

            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        else
        {
            foreach (var attempt in attempts)
            {
                spans[attempt.Id] = telemetry.StartAttempt(attack, level, attempt.Id);
            }
        }

        var decisions = await DrainAsync(startSeq, ct).ConfigureAwait(false);
        var verdicts = Verdicts(attack, level, [.. attempts.Select(a => new SentAttempt(a, spans[a.Id], session.RefusedBy))], decisions);

        var refusal = session.Refusal is null ? string.Empty : $"connect refused: {session.Refusal}. ";
        var acks = attempts.SelectMany(a => a.Acks.Values).Where(c => c is not null).GroupBy(c => c!.Value)
            .Select(g => $"{g.Key}×{g.Count()}");
        var ackNote = session.Refusal is null ? $"PUBACK: {string.Join(", ", acks)}. " : string.Empty;
        if (session.Reconnects > 0)
        {
            ackNote += $"The broker dropped the attacker {session.Reconnects} times (same username as a live device: use_username_as_clientid). ";
        }

        return AttackResults.Summarize(settings.Pipeline, attack, level, verdicts, refusal + ackNote + notes);
    }

    /// <summary>
    /// The actuator's decisions after <paramref name="startSeq"/>, indexed by attempt id, once a sentinel on the victim's
    /// reading topic came through; null when it did not within 30 s (then nothing can be judged).
    /// </summary>
    public async Task<Dictionary<string, Decision>?> DrainAsync(long startSeq, CancellationToken ct)
    {
        var sentinel = await control.SendSentinelAsync(Topics.Readings(Targets.VictimDevice), ct).ConfigureAwait(false);
        var decisions = await victim.DrainAsync(startSeq, sentinel, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        return decisions is null ? null : ByAttemptId(decisions);
    }

    /// <summary>Like <see cref="DrainAsync"/>, from the sensor's log of the acknowledgements it judged, with the sentinel on <paramref name="ackTopic"/>.</summary>
    public async Task<Dictionary<string, Decision>?> DrainAcksAsync(long startSeq, string ackTopic, CancellationToken ct)
    {
        var sentinel = await control.SendSentinelAsync(ackTopic, ct).ConfigureAwait(false);
        var decisions = await victim.DrainAcksAsync(startSeq, sentinel, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        return decisions is null ? null : ByAttemptId(decisions);
    }

    /// <summary>Judges each sent attempt by <paramref name="decisions"/> (null: unjudged) and ends its span.</summary>
    public List<Verdict> Verdicts(string attack, AttackLevel level, IReadOnlyList<SentAttempt> sent, IReadOnlyDictionary<string, Decision>? decisions)
    {
        var verdicts = new List<Verdict>(sent.Count);
        foreach (var (attempt, span, refusedBy) in sent)
        {
            var verdict = decisions is null ? Verdict.Unknown : Judge.Attempt(attempt, decisions, refusedBy, settings.Secure);
            telemetry.EndAttempt(span, attack, level, verdict);
            verdicts.Add(verdict);
        }

        return verdicts;
    }

    /// <summary>The first decision logged for each attempt id (a message's later copies do not change its verdict).</summary>
    public static Dictionary<string, Decision> ByAttemptId(IEnumerable<Decision> decisions)
    {
        var byAttempt = new Dictionary<string, Decision>(StringComparer.Ordinal);
        foreach (var d in decisions)
        {
            if (d.AttemptId is not null)
            {
                byAttempt.TryAdd(d.AttemptId, d);
            }
        }

        return byAttempt;
    }
}
