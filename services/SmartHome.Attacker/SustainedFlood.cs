using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using MQTTnet;
using MQTTnet.Protocol;
using SmartHome.Messaging;
using SmartHome.Security;
using SmartHome.ServiceDefaults;
using Attr = SmartHome.ServiceDefaults.SmartHomeTelemetry.Attributes;

namespace SmartHome.Attacker;

/// <summary>What a sustained flood sends (the <c>mix</c> of <c>POST /flood</c>).</summary>
public static class FloodKinds
{
    /// <summary>Secure: envelope-shaped data with the observed key id, fresh counters and a random signature; insecure: a forged reading.</summary>
    public const string Forged = "forged";

    /// <summary>Random bytes.</summary>
    public const string Malformed = "malformed";

    /// <summary>One byte over the actuator's limit (secure: envelope 4 KiB; insecure: reading 1 KiB).</summary>
    public const string Oversized = "oversized";

    /// <summary>A captured legit message, re-sent byte for byte.</summary>
    public const string Replay = "replay";

    public static readonly IReadOnlyList<string> All = [Forged, Malformed, Oversized, Replay];
}

/// <summary>One kind of the mix with its weight (its share of the rate is weight / sum of weights).</summary>
public readonly record struct FloodShare(string Kind, int Weight);

/// <summary>A validated <c>POST /flood</c> request.</summary>
public sealed record FloodRequest(double RatePerSecond, int Seconds, AttackLevel Level, IReadOnlyList<FloodShare> Mix)
{
    public const double MinRate = 1;
    public const double MaxRate = 50_000;
    public const int MinSeconds = 1;
    public const int MaxSeconds = 3_600;
    public const int MaxWeight = 1_000;

    /// <summary>Distinct payloads built before the flood and reused (bounded attacker memory and CPU).</summary>
    public const int PoolSize = 1_024;

    /// <summary>Messages the flood sends when it keeps up: rate × seconds.</summary>
    public long PlannedMessages => (long)Math.Round(RatePerSecond * Seconds);

    /// <summary>The mix as text (<c>forged:10,malformed:1</c>), as it appears in results.</summary>
    public string MixText => FloodShares.Format(Mix);

    /// <summary>
    /// Validates the query of <c>POST /flood</c>: rate 1..50,000 messages/s (default 5,000), seconds 1..3,600 (default 60),
    /// level outsider|insider|compromised-broker (default compromised-broker), mix a comma list of kinds, each optionally
    /// <c>kind:weight</c> (default forged).
    /// </summary>
    public static bool TryCreate(double? rate, int? seconds, string? level, string? mix, out FloodRequest request, out string error)
    {
        request = new FloodRequest(5000, 60, AttackLevel.CompromisedBroker, [new FloodShare(FloodKinds.Forged, 1)]);
        var r = rate ?? 5000;
        if (double.IsNaN(r) || r < MinRate || r > MaxRate)
        {
            error = $"rate must be {MinRate:0}..{MaxRate.ToString("0", CultureInfo.InvariantCulture)} messages/s";
            return false;
        }

        var s = seconds ?? 60;
        if (s is < MinSeconds or > MaxSeconds)
        {
            error = $"seconds must be {MinSeconds}..{MaxSeconds}";
            return false;
        }

        if (!TryParseLevel(level, out var parsedLevel))
        {
            error = $"unknown level '{level}': use outsider, insider or compromised-broker";
            return false;
        }

        if (!FloodShares.TryParse(mix, out var shares, out error))
        {
            return false;
        }

        request = new FloodRequest(r, s, parsedLevel, shares);
        error = string.Empty;
        return true;
    }

    public static bool TryParseLevel(string? text, out AttackLevel level)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "compromised-broker" or "compromisedbroker":
                level = AttackLevel.CompromisedBroker;
                return true;
            case "insider":
                level = AttackLevel.Insider;
                return true;
            case "outsider":
                level = AttackLevel.Outsider;
                return true;
            default:
                level = AttackLevel.CompromisedBroker;
                return false;
        }
    }
}

/// <summary>Parsing, formatting and scheduling of the flood's mix (pure, unit-tested).</summary>
public static class FloodShares
{
    /// <summary>Parses <c>forged,malformed</c> or <c>forged:10,malformed:1</c>; a kind named twice adds up its weights.</summary>
    public static bool TryParse(string? text, out IReadOnlyList<FloodShare> shares, out string error)
    {
        shares = [new FloodShare(FloodKinds.Forged, 1)];
        if (string.IsNullOrWhiteSpace(text))
        {
            error = string.Empty;
            return true;
        }

        var weights = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            var kind = (colon < 0 ? part : part[..colon]).Trim().ToLowerInvariant();
            var weight = 1;
            if (colon >= 0 && (!int.TryParse(part[(colon + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out weight)
                               || weight is < 1 or > FloodRequest.MaxWeight))
            {
                error = $"mix: the weight in '{part}' must be an integer 1..{FloodRequest.MaxWeight}";
                return false;
            }

            if (!FloodKinds.All.Contains(kind, StringComparer.Ordinal))
            {
                error = $"mix: unknown kind '{kind}'; known: {string.Join(", ", FloodKinds.All)}";
                return false;
            }

            if (!weights.TryAdd(kind, weight))
            {
                weights[kind] += weight;
            }
            else
            {
                order.Add(kind);
            }
        }

        if (order.Count == 0)
        {
            error = "mix: name at least one kind";
            return false;
        }

        shares = [.. order.Select(k => new FloodShare(k, Math.Min(weights[k], FloodRequest.MaxWeight)))];
        error = string.Empty;
        return true;
    }

    public static string Format(IReadOnlyList<FloodShare> shares) =>
        string.Join(",", shares.Select(s => s.Weight == 1 && shares.All(x => x.Weight == 1) ? s.Kind : $"{s.Kind}:{s.Weight}"));

    /// <summary>
    /// The kind of each of <paramref name="length"/> pool slots: smooth weighted round robin, so every window of the pool
    /// carries the kinds in proportion to their weights (never one long run of a single kind).
    /// </summary>
    public static string[] Schedule(IReadOnlyList<FloodShare> shares, int length)
    {
        ArgumentNullException.ThrowIfNull(shares);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        if (shares.Count == 0)
        {
            throw new ArgumentException("The mix is empty.", nameof(shares));
        }

        var total = shares.Sum(s => s.Weight);
        var current = new long[shares.Count];
        var slots = new string[length];
        for (var i = 0; i < length; i++)
        {
            var best = 0;
            for (var k = 0; k < shares.Count; k++)
            {
                current[k] += shares[k].Weight;
                if (current[k] > current[best])
                {
                    best = k;
                }
            }

            current[best] -= total;
            slots[i] = shares[best].Kind;
        }

        return slots;
    }
}

/// <summary>
/// Pacing of the flood (pure, unit-tested): on every ~1 ms tick the flood sends what is due by then, so the average rate
/// is exact however coarse the ticks are, without a Task or a timer per message.
/// </summary>
public static class FloodPacer
{
    /// <summary>Messages due <paramref name="elapsed"/> after the start at <paramref name="ratePerSecond"/>, at most <paramref name="total"/>.</summary>
    public static long DueBy(TimeSpan elapsed, double ratePerSecond, long total) =>
        elapsed <= TimeSpan.Zero ? 0 : Math.Min(total, (long)Math.Floor(elapsed.TotalSeconds * ratePerSecond));

    /// <summary>The largest batch in one tick: 10 ms worth of messages (at least 1), so a stall is caught up smoothly, not in one burst.</summary>
    public static int MaxBatch(double ratePerSecond) => (int)Math.Max(1, Math.Ceiling(ratePerSecond / 100));

    /// <summary>How many to send in this tick.</summary>
    public static int Batch(long due, long attempted, int maxBatch) => (int)Math.Clamp(due - attempted, 0, maxBatch);

    /// <summary>
    /// Whether to stop at the deadline: the flood stops when its time is up and it is more than one batch behind
    /// (it could not keep up; its achieved rate says so); otherwise it sends the last batch and ends with exactly
    /// rate × seconds messages.
    /// </summary>
    public static bool StopAtDeadline(long attempted, long total, int maxBatch) => total - attempted > maxBatch;
}

/// <summary>Outcome of one sustained flood (<c>POST /flood</c>).</summary>
public sealed record FloodResult
{
    public required string Pipeline { get; init; }

    public required string Level { get; init; }

    public required string Mix { get; init; }

    /// <summary>Always 0: a flood is fire-and-forget (no PUBACK), so its rate does not depend on the broker's acknowledgements.</summary>
    public int Qos { get; init; }

    public string Delivery { get; init; } = "QoS 0 (fire-and-forget): the attacker waits for no PUBACK; what reached the actuator is in its decision log.";

    public double TargetRatePerSecond { get; init; }

    public int RequestedSeconds { get; init; }

    /// <summary>Topic of the forged, malformed and oversized messages (replays go to the topic they were captured on).</summary>
    public string Topic { get; init; } = string.Empty;

    /// <summary>The <c>smarthome-attempt-id</c> user property every flood message carries (one label for the whole flood).</summary>
    public string AttemptId { get; init; } = string.Empty;

    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When the first message was due (after connecting, capturing and building the payload pool).</summary>
    public DateTimeOffset? FloodStartedAt { get; init; }

    /// <summary>Seconds from the first due message to the last one sent.</summary>
    public double DurationSeconds { get; init; }

    public long MessagesPlanned { get; init; }

    public long MessagesSent { get; init; }

    public double AchievedRatePerSecond { get; init; }

    public IReadOnlyDictionary<string, long> ByKind { get; init; } = new Dictionary<string, long>();

    /// <summary>Publishes that failed because the connection was lost (each followed by a reconnect attempt).</summary>
    public long PublishErrors { get; init; }

    /// <summary>The most messages the flood was ever behind its schedule (pacing quality; 0..batch size when it keeps up).</summary>
    public long MaxBacklogMessages { get; init; }

    public int PoolSize { get; init; }

    public long PoolBytes { get; init; }

    /// <summary>Legit readings the attacker asked the sensor for to capture key ids and replays (not flood messages).</summary>
    public IReadOnlyList<string> CaptureMessageIds { get; init; } = [];

    /// <summary>CPU time of the attacker's process during the flood phase.</summary>
    public double AttackerCpuMs { get; init; }

    /// <summary>Why the broker (or the loopback rule) refused the flood; null when it ran.</summary>
    public string? Refusal { get; init; }

    /// <summary>False when cancelled or when the flood fell behind its schedule at the deadline.</summary>
    public bool Completed { get; init; }

    public string Notes { get; init; } = string.Empty;
}

/// <summary><c>GET /flood/status</c>.</summary>
public sealed record FloodStatus(bool Running, string Phase, long Sent, double ElapsedSeconds, double TargetRatePerSecond, int Seconds,
    string? AttemptId, FloodResult? Last);

/// <summary>Live counters of the running flood, read by <c>GET /flood/status</c>.</summary>
public sealed class FloodProgress
{
    private long _sent;
    private long _floodStartTimestamp;

    public string Phase { get; private set; } = "idle";

    public FloodRequest? Request { get; private set; }

    public string? AttemptId { get; private set; }

    public long Sent => Volatile.Read(ref _sent);

    public double ElapsedSeconds
    {
        get
        {
            var start = Volatile.Read(ref _floodStartTimestamp);
            return start == 0 ? 0 : Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
    }

    internal void Begin(FloodRequest request)
    {
        Request = request;
        AttemptId = null;
        Volatile.Write(ref _sent, 0);
        Volatile.Write(ref _floodStartTimestamp, 0);
        Phase = "preparing";
    }

    internal void Flooding(string attemptId, long startTimestamp)
    {
        AttemptId = attemptId;
        Volatile.Write(ref _floodStartTimestamp, startTimestamp);
        Phase = "flooding";
    }

    internal void SetSent(long sent) => Volatile.Write(ref _sent, sent);

    internal void End(string phase) => Phase = phase;
}

/// <summary>One flood at a time; remembers the last result.</summary>
public sealed class FloodRunner(CampaignSettings settings, Victim victim, ILogger logger)
{
    private readonly FloodProgress _progress = new();
    private int _running;

    public FloodResult? Last { get; private set; }

    public bool Running => Volatile.Read(ref _running) == 1;

    /// <summary>Runs the flood; null when another flood is already running.</summary>
    public async Task<FloodResult?> RunAsync(FloodRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            return null;
        }

        try
        {
            _progress.Begin(request);
            var result = await new Campaign(settings, victim, logger).SustainedFloodAsync(request, _progress, ct).ConfigureAwait(false);
            Last = result;
            _progress.End(result.Refusal is not null ? "refused" : result.Completed ? "done" : "stopped");
            return result;
        }
        catch
        {
            _progress.End("failed");
            throw;
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    public FloodStatus Status()
    {
        var request = _progress.Request;
        return new FloodStatus(Running, _progress.Phase, _progress.Sent, _progress.ElapsedSeconds, request?.RatePerSecond ?? 0,
            request?.Seconds ?? 0, _progress.AttemptId, Last);
    }
}

public sealed partial class Campaign
{
    /// <summary>One prebuilt flood message; forged envelopes get a fresh counter and timestamp written in place before each send.</summary>
    private sealed record FloodSlot(int Kind, byte[] Payload, MqttApplicationMessage Message, EnvelopeHeader? Header);

    /// <summary>
    /// A sustained flood at an exact rate for up to an hour (issue 8): a bounded pool of payloads built first, QoS 0
    /// publishes paced in batches on a ~1 ms tick, one span for the whole flood. Judging is the caller's job (the
    /// report reads the actuator's decision log and resource use while this runs).
    /// </summary>
    public async Task<FloodResult> SustainedFloodAsync(FloodRequest request, FloodProgress progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(progress);
        var started = DateTimeOffset.UtcNow;
        var level = Attacks.LevelName(request.Level);
        var device = request.Level == AttackLevel.Insider ? InsiderDevice : VictimDevice;
        var topic = Topics.Readings(device);
        var label = $"{_runId}-flood";
        FloodResult Result(string notes) => new()
        {
            Pipeline = settings.Pipeline,
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

        if (!settings.Broker.IsLoopback)
        {
            return Result("refused: the flood only targets a broker on this machine (loopback)") with
            {
                Refusal = "the flood only targets a broker on this machine (loopback)",
            };
        }

        var notes = new List<string>();
        var mix = request.Mix.ToList();
        var wantsReplay = mix.Any(s => s.Kind == FloodKinds.Replay);
        var captures = (settings.Secure && request.Level == AttackLevel.CompromisedBroker) || wantsReplay
            ? await HarvestAsync(8, ct).ConfigureAwait(false)
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

        var keyId = request.Level == AttackLevel.CompromisedBroker ? ObservedKeyId(captures, device) : null;
        var kinds = mix.Select(s => s.Kind).ToArray();
        var slots = BuildFloodPool(mix, device, topic, keyId, replays, label);
        var poolBytes = slots.Select(s => s.Payload).Distinct().Sum(p => (long)p.Length);

        await using var session = await ConnectAsync(request.Level, "flood", ct).ConfigureAwait(false);
        await DisposeControlAsync().ConfigureAwait(false);
        if (!session.IsConnected)
        {
            return Result($"connect refused: {session.Refusal}") with
            {
                Refusal = $"{session.RefusedBy}: {session.Refusal}",
                PoolSize = slots.Length,
                PoolBytes = poolBytes,
                CaptureMessageIds = [.. _harvestedIds],
            };
        }

        var total = request.PlannedMessages;
        var rate = request.RatePerSecond;
        var deadline = TimeSpan.FromSeconds(request.Seconds);
        var maxBatch = FloodPacer.MaxBatch(rate);
        var byKind = new long[kinds.Length];
        long attempted = 0, sent = 0, errors = 0, maxBacklog = 0;
        var next = 0;
        var completed = false;
        // Above anything the real sender used, and one fresh counter per forged message (they must face the signature).
        var counterBase = (1UL << 41) + (ulong)DateTime.UtcNow.Ticks / 1000;

        var previous = Activity.Current;
        Activity.Current = null;
        using var span = SmartHomeTelemetry.ActivitySource.StartActivity("attack flood (sustained)", ActivityKind.Producer);
        Activity.Current = previous;
        span?.SetTag(Attr.Attack, Attacks.Flood);
        span?.SetTag(Attr.AttackLevel, level);
        span?.SetTag(Attr.Pipeline, settings.Pipeline);
        span?.SetTag(Attr.AttemptId, label);
        span?.SetTag("smarthome.flood.target_rate", rate);
        span?.SetTag("smarthome.flood.seconds", request.Seconds);
        span?.SetTag("smarthome.flood.mix", request.MixText);
        span?.SetTag("messaging.destination.name", topic);

        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var startTimestamp = Stopwatch.GetTimestamp();
        var floodStartedAt = DateTimeOffset.UtcNow;
        progress.Flooding(label, startTimestamp);
        LogFloodStarted(logger, settings.Pipeline, level, rate, request.Seconds, request.MixText);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(1));
        try
        {
            while (attempted < total)
            {
                var elapsed = Stopwatch.GetElapsedTime(startTimestamp);
                var pastDeadline = elapsed >= deadline;
                if (pastDeadline && FloodPacer.StopAtDeadline(attempted, total, maxBatch))
                {
                    break;
                }

                var due = pastDeadline ? total : FloodPacer.DueBy(elapsed, rate, total);
                maxBacklog = Math.Max(maxBacklog, due - attempted);
                var batch = FloodPacer.Batch(due, attempted, maxBatch);
                if (batch > 0)
                {
                    var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    for (var i = 0; i < batch; i++)
                    {
                        var slot = slots[next];
                        next = next + 1 == slots.Length ? 0 : next + 1;
                        if (slot.Header is { } header)
                        {
                            EnvelopeHeader.Rewrite(slot.Payload, header, counterBase + (ulong)attempted, nowMs);
                        }

                        attempted++;
                        if (await session.PublishPrebuiltAsync(slot.Message, ct).ConfigureAwait(false))
                        {
                            sent++;
                            byKind[slot.Kind]++;
                            continue;
                        }

                        // The broker dropped the attacker: count it, reconnect, and let the pacer catch up (10 ms worth per tick).
                        errors++;
                        await session.ReconnectAsync(ct).ConfigureAwait(false);
                        break;
                    }

                    progress.SetSent(sent);
                }

                if (attempted >= total)
                {
                    break;
                }

                await timer.WaitForNextTickAsync(ct).ConfigureAwait(false);
            }

            completed = attempted >= total;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            notes.Add("cancelled by the caller");
        }

        var duration = Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalMilliseconds;
        progress.SetSent(sent);
        if (!completed && !ct.IsCancellationRequested)
        {
            notes.Add($"fell behind its schedule: {attempted} of {total} messages attempted when the {request.Seconds} s were up");
        }

        if (errors > 0)
        {
            notes.Add($"{errors} publishes failed because the connection was lost (each followed by a reconnect)");
        }

        var achieved = duration > 0 ? sent / duration : 0;
        span?.SetTag("smarthome.flood.sent", sent);
        span?.SetTag("smarthome.flood.achieved_rate", Math.Round(achieved, 1));
        span?.SetTag("smarthome.flood.publish_errors", errors);
        for (var k = 0; k < kinds.Length; k++)
        {
            span?.SetTag($"smarthome.flood.sent.{kinds[k]}", byKind[k]);
        }

        LogFloodEnded(logger, settings.Pipeline, sent, duration, achieved, errors);
        return Result(string.Join("; ", notes.Prepend(FloodNotes(request, keyId, poolBytes, slots.Length)))) with
        {
            FloodStartedAt = floodStartedAt,
            DurationSeconds = duration,
            MessagesSent = sent,
            AchievedRatePerSecond = achieved,
            ByKind = kinds.Select((k, i) => (k, i)).ToDictionary(x => x.k, x => byKind[x.i], StringComparer.Ordinal),
            PublishErrors = errors,
            MaxBacklogMessages = maxBacklog,
            PoolSize = slots.Length,
            PoolBytes = poolBytes,
            CaptureMessageIds = [.. _harvestedIds],
            AttackerCpuMs = cpuMs,
            Completed = completed,
        };
    }

    private string FloodNotes(FloodRequest request, uint? keyId, long poolBytes, int poolSize) =>
        $"{request.MixText} at {request.RatePerSecond.ToString("0", CultureInfo.InvariantCulture)}/s for {request.Seconds} s, QoS 0; " +
        (settings.Secure
            ? $"forged = unsigned envelopes (random signature) with {(keyId is null ? "a random key id" : "the key id observed on the broker")} and a fresh counter per message"
            : "forged = plaintext readings (15 °C)") +
        $"; a pool of {poolSize} payloads ({poolBytes} bytes) reused";

    /// <summary>The bounded pool: <see cref="FloodRequest.PoolSize"/> slots in the mix's proportions; oversized slots share one array.</summary>
    private FloodSlot[] BuildFloodPool(IReadOnlyList<FloodShare> mix, string device, string topic, uint? keyId, IReadOnlyList<Capture> replays,
        string label)
    {
        var kinds = mix.Select(s => s.Kind).ToList();
        var schedule = FloodShares.Schedule(mix, FloodRequest.PoolSize);
        var labelBytes = System.Text.Encoding.UTF8.GetBytes(label).AsMemory();
        var oversized = Payloads.Oversized(settings.Secure ? 1 : 0); // one byte over the envelope (4 KiB) / reading (1 KiB) limit
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var slots = new FloodSlot[schedule.Length];
        for (var i = 0; i < schedule.Length; i++)
        {
            var kind = schedule[i];
            var slotTopic = topic;
            EnvelopeHeader? header = null;
            byte[] payload;
            switch (kind)
            {
                case FloodKinds.Forged when settings.Secure:
                    payload = EnvelopeForge.UnsignedData(device, keyId ?? RandomKeyId(), 0, nowMs, 120);
                    header = EnvelopeHeader.TryRead(payload, out var h) ? h : null;
                    break;
                case FloodKinds.Forged:
                    payload = Payloads.ForgedReading(device, 15.0, DeviceReading.NowMicros(TimeProvider.System)).ToUtf8Json();
                    break;
                case FloodKinds.Malformed:
                    payload = RandomNumberGenerator.GetBytes(RandomNumberGenerator.GetInt32(16, 513));
                    break;
                case FloodKinds.Oversized:
                    payload = oversized;
                    break;
                default:
                    var capture = replays[i % replays.Count];
                    payload = capture.Payload;
                    slotTopic = capture.Topic;
                    break;
            }

            var message = new MqttApplicationMessageBuilder()
                .WithTopic(slotTopic)
                .WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)
                .WithUserProperty(MessageProperties.AttemptId, labelBytes)
                .Build();
            slots[i] = new FloodSlot(kinds.IndexOf(kind), payload, message, header);
        }

        return slots;
    }

    [LoggerMessage(LogLevel.Information, "Flooding the {Pipeline} pipeline as {Level}: {Rate}/s for {Seconds} s ({Mix}, QoS 0)")]
    private static partial void LogFloodStarted(ILogger logger, string pipeline, string level, double rate, int seconds, string mix);

    [LoggerMessage(LogLevel.Information, "Flood on {Pipeline} done: {Sent} messages in {Seconds:0.0} s ({Rate:0}/s), {Errors} publish errors")]
    private static partial void LogFloodEnded(ILogger logger, string pipeline, long sent, double seconds, double rate, long errors);
}
