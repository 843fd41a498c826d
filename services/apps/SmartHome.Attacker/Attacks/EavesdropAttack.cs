using System.Buffers;
using System.Collections.Concurrent;
using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Attacker;

/// <summary>
/// eavesdrop and wildcard-subscribe: subscribe (to the reading topics, or to everything) while the sensor sends legit
/// readings, and try to read them. Succeeds for a reading only if the attacker decoded exactly the value the actuator
/// applied for that message id.
/// </summary>
internal sealed class EavesdropAttack(string name, string filter) : IAttack
{
    public static EavesdropAttack Eavesdrop { get; } = new(Attacks.Eavesdrop, Topics.ReadingsFilter);

    public static EavesdropAttack WildcardSubscribe { get; } = new(Attacks.WildcardSubscribe, "#");

    public string Name => name;

    public async Task<AttackResult> RunAsync(AttackContext context, AttackLevel level, AttackInput input, CancellationToken ct)
    {
        var n = input.Attempts;
        var victim = context.Victim;
        var recovered = new ConcurrentDictionary<string, double>(StringComparer.Ordinal);
        var unreadable = 0;
        var seen = 0;
        await using var session = await context.ConnectAsync(level, name, ct).ConfigureAwait(false);
        session.Received = m =>
        {
            if (!Topics.IsReadingTopic(m.Topic))
            {
                return;
            }

            Interlocked.Increment(ref seen);
            var payload = m.Payload.ToArray();
            if (DeviceReading.TryParse(payload, out var reading, out _))
            {
                recovered[reading!.MessageId] = reading.Value;
            }
            else
            {
                Interlocked.Increment(ref unreadable);
            }
        };
        var suback = await session.SubscribeAsync(filter, ct).ConfigureAwait(false);
        var subscriptionRefused = suback is not null && (int)suback.Value >= 0x80;
        var startSeq = await victim.LatestSeqAsync(ct).ConfigureAwait(false);
        var ids = await victim.TriggerReadingsAsync(n, double.PositiveInfinity, ct).ConfigureAwait(false);
        Dictionary<string, Decision> applied;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var decisions = await victim.DecisionsAfterAsync(startSeq, ct).ConfigureAwait(false);
            applied = decisions.Where(d => d.Verdict == "applied" && d.AttemptId is null && d.MessageId is not null)
                .GroupBy(d => d.MessageId!).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            if (ids.Count == 0 && applied.Count >= n)
            {
                // No sensor to trigger: the next n legit readings the actuator applied are the targets.
                ids = applied.Values.OrderBy(d => d.Seq).Take(n).Select(d => d.MessageId!).ToList();
            }

            if ((ids.Count > 0 && ids.All(applied.ContainsKey)) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(200, ct).ConfigureAwait(false);
        }

        await Task.Delay(200, ct).ConfigureAwait(false); // the attacker's copy may trail the actuator's by a moment
        await session.UnsubscribeAsync(filter, ct).ConfigureAwait(false);
        var verdicts = new List<Verdict>(ids.Count);
        foreach (var messageId in ids)
        {
            var span = context.Telemetry.StartAttempt(name, level, messageId);
            var verdict = Judge.Eavesdrop(messageId, applied, recovered, session.RefusedBy, subscriptionRefused, Volatile.Read(ref unreadable) > 0);
            context.Telemetry.EndAttempt(span, name, level, verdict);
            verdicts.Add(verdict);
        }

        return context.Summarize(name, level, verdicts,
            (session.Refusal is null ? string.Empty : $"connect refused: {session.Refusal}. ") +
            $"subscribed to '{filter}' (SUBACK {suback?.ToString() ?? "none"}); received {seen} reading messages, {unreadable} unreadable; " +
            "success = the attacker decoded exactly the value the actuator applied for that message id.");
    }
}
