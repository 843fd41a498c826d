using System.Diagnostics;
using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Attacker;

/// <summary>
/// flood (the campaign's bounded one; <see cref="SustainedFlood"/> is the long one): a burst of forged readings of the
/// victim device at a target rate while the sensor sends legit readings. Every forgery is judged; the legit readings'
/// latency and the actuator's health afterwards say whether the flood denied service.
/// </summary>
internal sealed class FloodAttack : IAttack
{
    public static FloodAttack Instance { get; } = new();

    public string Name => Attacks.Flood;

    public async Task<AttackResult> RunAsync(AttackContext context, AttackLevel level, AttackInput input, CancellationToken ct)
    {
        if (context.RefusedUnlessLoopbackBroker(Attacks.Flood, level) is { } refused)
        {
            return refused;
        }

        var request = input.Request;
        var victim = context.Victim;
        var count = Math.Clamp(request.FloodMessages > 0 ? request.FloodMessages : request.Attempts, 1, CampaignRequest.MaxFloodMessages);
        var rate = Math.Clamp(request.FloodRate, 1, 50_000);
        var topic = Topics.Readings(Targets.VictimDevice);
        var captures = context.Secure && level == AttackLevel.CompromisedBroker ? await context.Control.HarvestAsync(4, ct).ConfigureAwait(false) : null;
        var keyId = ForgeryValues.ObservedKeyId(captures, Targets.VictimDevice);
        var attempts = Enumerable.Range(0, count).Select(i =>
        {
            var id = context.NewAttemptId(Attacks.Flood);
            // Unsigned: a flood is about volume, and the actuator must refuse these at the AES-GCM tag, before any DSA work.
            byte[] payload = context.Secure
                ? EnvelopeForge.UnsignedData(Targets.VictimDevice, keyId ?? ForgeryValues.RandomKeyId(), ForgeryValues.FreshCounter(i),
                    DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 120)
                : Payloads.ForgedReading(Targets.VictimDevice, 15.0, DeviceReading.NowMicros(TimeProvider.System)).ToUtf8Json();
            return new PlannedAttempt(id, [new PlannedMessage(topic, payload, id)]);
        }).ToList();

        await using var session = await context.ConnectAsync(level, "flood", ct).ConfigureAwait(false);
        var startSeq = await victim.LatestSeqAsync(ct).ConfigureAwait(false);
        var floodSeconds = count / rate;
        var legitCount = request.LegitDuringFlood > 0 ? request.LegitDuringFlood : Math.Max(20, (int)(floodSeconds * 50));
        var legitRate = Math.Max(10, legitCount / Math.Max(floodSeconds, 0.4));
        var legitTask = victim.TriggerReadingsAsync(legitCount, legitRate, ct);
        var spans = attempts.ToDictionary(a => a.Id, a => context.Telemetry.StartAttempt(Attacks.Flood, level, a.Id), StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        if (session.IsConnected)
        {
            var sendTasks = new List<Task>(count);
            for (var i = 0; i < count; i++)
            {
                var due = TimeSpan.FromSeconds(i / rate);
                if (due - clock.Elapsed > TimeSpan.FromMilliseconds(2))
                {
                    await Task.Delay(due - clock.Elapsed, ct).ConfigureAwait(false);
                }

                var attempt = attempts[i];
                var message = attempt.Messages[0];
                sendTasks.Add(Task.Run(async () => attempt.Acks[message.AttemptId] =
                    await session.PublishWithRetryAsync(message.Topic, message.Payload, message.AttemptId, false, ct).ConfigureAwait(false), ct));
            }

            await Task.WhenAll(sendTasks).ConfigureAwait(false);
        }

        var sentIn = clock.Elapsed;
        var legitIds = await legitTask.ConfigureAwait(false);
        var decisions = await context.Judge.DrainAsync(startSeq, ct).ConfigureAwait(false);
        var verdicts = context.Judge.Verdicts(Attacks.Flood, level, [.. attempts.Select(a => new SentAttempt(a, spans[a.Id], session.RefusedBy))], decisions);

        // Latency of the legit readings sent during the flood, from the actuator's own log.
        var all = await victim.DecisionsAfterAsync(startSeq, ct).ConfigureAwait(false);
        var legitSet = legitIds.ToHashSet(StringComparer.Ordinal);
        var legit = all.Where(d => d.MessageId is not null && legitSet.Contains(d.MessageId) && d.AttemptId is null).ToList();
        var latencies = legit.Where(d => d.Verdict == "applied" && d.LatencyMs is not null).Select(d => d.LatencyMs!.Value).ToList();
        var p99 = Judge.Percentile(latencies, 99);
        var p50 = Judge.Percentile(latencies, 50);
        var alive = await victim.ActuatorHealthyAsync(ct).ConfigureAwait(false);
        var summary = context.Summarize(Attacks.Flood, level, verdicts,
            $"{count} forged messages at a target {rate:0}/s (sent in {sentIn.TotalSeconds:0.00} s); {legitIds.Count} legit readings meanwhile: " +
            $"{latencies.Count} applied, {legit.Count(d => d.Verdict == "rejected")} rejected, p50 {p50:0.00} ms, p99 {p99:0.00} ms. " +
            (alive ? "Actuator healthy afterwards." : "ACTUATOR NOT HEALTHY afterwards."));
        return summary with { LegitP99Ms = p99 };
    }
}
