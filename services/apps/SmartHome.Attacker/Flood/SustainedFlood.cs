using System.Diagnostics;
using System.Globalization;
using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Attacker;

/// <summary>
/// A sustained flood at an exact rate for up to an hour (issue 8, <c>POST /flood</c>): a bounded pool of payloads built
/// first, QoS 0 publishes paced in batches on a ~1 ms tick, one span for the whole flood. It judges nothing: the report
/// reads the actuator's decision log and resource use while this runs.
/// </summary>
internal sealed class SustainedFlood(AttackContext context)
{
    private const string LoopbackOnly = "the flood only targets a broker on this machine (loopback)";

    public async Task<FloodResult> RunAsync(FloodRequest request, FloodProgress progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(progress);
        var started = DateTimeOffset.UtcNow;
        var level = Attacks.LevelName(request.Level);
        // The insider floods its own topic, which its ACL allows; the others aim at the victim.
        var device = request.Level == AttackLevel.Insider ? AttackerIdentities.InsiderDevice : Targets.VictimDevice;
        var topic = Topics.Readings(device);
        var label = $"{context.RunId}-flood";
        FloodResult Result(string notes) => new()
        {
            Pipeline = context.Settings.Pipeline,
            Level = level,
            Mix = request.MixText,
            TargetRatePerSecond = request.RatePerSecond,
            RequestedSeconds = request.Seconds,
            Topic = topic,
            AttemptId = label,
            StartedAt = started,
            MessagesPlanned = request.PlannedMessages,
            Notes = notes,
        };

        if (!context.Settings.Broker.IsLoopback)
        {
            return Result($"refused: {LoopbackOnly}") with { Refusal = LoopbackOnly };
        }

        var notes = new List<string>();
        var mix = request.Mix.ToList();
        var wantsReplay = mix.Any(s => s.Kind == FloodKinds.Replay);
        var captures = (context.Secure && request.Level == AttackLevel.CompromisedBroker) || wantsReplay
            ? await context.Control.HarvestAsync(8, ct).ConfigureAwait(false)
            : [];
        var replays = captures.Where(c => Topics.IsReadingTopic(c.Topic) && c.Payload.Length > 0).ToList();
        if (wantsReplay && replays.Count == 0)
        {
            mix.RemoveAll(s => s.Kind == FloodKinds.Replay);
            notes.Add("no legit reading could be captured, so the mix has no replays");
            if (mix.Count == 0)
            {
                return Result(string.Join("; ", notes)) with { Refusal = "nothing to replay" };
            }
        }

        var keyId = request.Level == AttackLevel.CompromisedBroker ? ForgeryValues.ObservedKeyId(captures, device) : null;
        var kinds = mix.Select(s => s.Kind).ToArray();
        var slots = FloodPool.Build(context.Secure, mix, device, topic, keyId, replays, label);
        var poolBytes = slots.Select(s => s.Payload).Distinct().Sum(p => (long)p.Length);

        await using var session = await context.ConnectAsync(request.Level, "flood", ct).ConfigureAwait(false);
        // Captures are done: the flood needs no control connection (and as the monitor it could not keep one).
        await context.Control.CloseAsync().ConfigureAwait(false);
        if (!session.IsConnected)
        {
            return Result($"connect refused: {session.Refusal}") with
            {
                Refusal = $"{session.RefusedBy}: {session.Refusal}",
                PoolSize = slots.Length,
                PoolBytes = poolBytes,
                CaptureMessageIds = [.. context.Control.HarvestedMessageIds],
            };
        }

        using var span = context.Telemetry.StartSustainedFlood(level, label, request, topic);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var startTimestamp = Stopwatch.GetTimestamp();
        var floodStartedAt = DateTimeOffset.UtcNow;
        progress.Flooding(label, startTimestamp);
        context.Telemetry.FloodStarted(level, request.RatePerSecond, request.Seconds, request.MixText);
        var tally = await SendAsync(session, request, slots, kinds.Length, progress, startTimestamp, ct).ConfigureAwait(false);
        if (tally.Cancelled)
        {
            notes.Add("cancelled by the caller");
        }

        var duration = Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds;
        progress.SetSent(tally.Sent);
        if (!tally.Completed && !ct.IsCancellationRequested)
        {
            notes.Add($"fell behind its schedule: {tally.Attempted} of {request.PlannedMessages} messages attempted when the {request.Seconds} s were up");
        }

        if (tally.Errors > 0)
        {
            notes.Add($"{tally.Errors} publishes failed because the connection was lost (each followed by a reconnect)");
        }

        var achieved = duration > 0 ? tally.Sent / duration : 0;
        AttackTelemetry.TagFloodOutcome(span, tally.Sent, achieved, tally.Errors, kinds, tally.SentByKind);
        context.Telemetry.FloodEnded(tally.Sent, duration, achieved, tally.Errors);
        return Result(string.Join("; ", notes.Prepend(Describe(request, keyId, poolBytes, slots.Length)))) with
        {
            FloodStartedAt = floodStartedAt,
            DurationSeconds = duration,
            MessagesSent = tally.Sent,
            AchievedRatePerSecond = achieved,
            ByKind = kinds.Select((k, i) => (k, i)).ToDictionary(x => x.k, x => tally.SentByKind[x.i], StringComparer.Ordinal),
            PublishErrors = tally.Errors,
            MaxBacklogMessages = tally.MaxBacklog,
            PoolSize = slots.Length,
            PoolBytes = poolBytes,
            CaptureMessageIds = [.. context.Control.HarvestedMessageIds],
            AttackerCpuMs = cpuMs,
            Completed = tally.Completed,
        };
    }

    /// <summary>
    /// Sends the pool round and round on a ~1 ms tick, each tick what <see cref="FloodPacer"/> says is due, until
    /// rate × seconds messages were attempted, the deadline passed with the flood behind, or the caller cancelled.
    /// </summary>
    private static async Task<FloodTally> SendAsync(AttackSession session, FloodRequest request, FloodSlot[] slots, int kinds, FloodProgress progress,
        long startTimestamp, CancellationToken ct)
    {
        var tally = new FloodTally(kinds);
        var total = request.PlannedMessages;
        var rate = request.RatePerSecond;
        var deadline = TimeSpan.FromSeconds(request.Seconds);
        var maxBatch = FloodPacer.MaxBatch(rate);
        var next = 0;
        // Above anything the real sender used, and one fresh counter per forged message (they must face the signature).
        var counterBase = (1UL << 41) + (ulong)DateTime.UtcNow.Ticks / 1000;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(1));
        try
        {
            while (tally.Attempted < total)
            {
                var elapsed = Stopwatch.GetElapsedTime(startTimestamp);
                var pastDeadline = elapsed >= deadline;
                if (pastDeadline && FloodPacer.StopAtDeadline(tally.Attempted, total, maxBatch))
                {
                    break;
                }

                var due = pastDeadline ? total : FloodPacer.DueBy(elapsed, rate, total);
                tally.MaxBacklog = Math.Max(tally.MaxBacklog, due - tally.Attempted);
                var batch = FloodPacer.Batch(due, tally.Attempted, maxBatch);
                if (batch > 0)
                {
                    var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    for (var i = 0; i < batch; i++)
                    {
                        var slot = slots[next];
                        next = next + 1 == slots.Length ? 0 : next + 1;
                        if (slot.Header is { } header)
                        {
                            EnvelopeHeader.Rewrite(slot.Payload, header, counterBase + (ulong)tally.Attempted, nowMs);
                        }

                        tally.Attempted++;
                        if (await session.PublishPrebuiltAsync(slot.Message, ct).ConfigureAwait(false))
                        {
                            tally.Sent++;
                            tally.SentByKind[slot.Kind]++;
                            continue;
                        }

                        // The broker dropped the attacker: count it, reconnect, and let the pacer catch up (10 ms worth per tick).
                        tally.Errors++;
                        await session.ReconnectAsync(ct).ConfigureAwait(false);
                        break;
                    }

                    progress.SetSent(tally.Sent);
                }

                if (tally.Attempted >= total)
                {
                    break;
                }

                await timer.WaitForNextTickAsync(ct).ConfigureAwait(false);
            }

            tally.Completed = tally.Attempted >= total;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            tally.Cancelled = true;
        }

        return tally;
    }

    private string Describe(FloodRequest request, uint? keyId, long poolBytes, int poolSize) =>
        $"{request.MixText} at {request.RatePerSecond.ToString("0", CultureInfo.InvariantCulture)}/s for {request.Seconds} s, QoS 0; " +
        (context.Secure
            ? $"forged = unsigned envelopes (random signature) with {(keyId is null ? "a random key id" : "the key id observed on the broker")} and a fresh counter per message"
            : "forged = plaintext readings (15 °C)") +
        $"; a pool of {poolSize} payloads ({poolBytes} bytes) reused";
}
