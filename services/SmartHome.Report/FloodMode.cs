using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using SmartHome.Contracts;

namespace SmartHome.Report;

/// <summary>The attacker's answer to <c>POST /flood</c> (the part the report reads).</summary>
public sealed record FloodAttackDto
{
    public string Pipeline { get; init; } = string.Empty;

    public string Level { get; init; } = string.Empty;

    public string Mix { get; init; } = string.Empty;

    public int Qos { get; init; }

    public double TargetRatePerSecond { get; init; }

    public int RequestedSeconds { get; init; }

    public string AttemptId { get; init; } = string.Empty;

    public double DurationSeconds { get; init; }

    public long MessagesSent { get; init; }

    public double AchievedRatePerSecond { get; init; }

    public Dictionary<string, long> ByKind { get; init; } = [];

    public long PublishErrors { get; init; }

    public long MaxBacklogMessages { get; init; }

    public List<string> CaptureMessageIds { get; init; } = [];

    public double AttackerCpuMs { get; init; }

    public string? Refusal { get; init; }

    public bool Completed { get; init; }

    public string Notes { get; init; } = string.Empty;
}

/// <summary>The attacker's <c>GET /flood/status</c>.</summary>

/// <summary>The flood's mix, rates and bounds (pure, unit-tested).</summary>
public static class FloodPlan
{
    public static IReadOnlyList<string> Kinds => FloodKinds.All;

    /// <summary>The actuator's decision log keeps this many decisions (Actuator:DecisionLogCapacity, default).</summary>
    public const long DecisionLogCapacity = 50_000;

    /// <summary>Parses <c>forged:10,malformed:1</c> (a kind without a weight weighs 1) with the attacker's own parser.</summary>
    public static IReadOnlyList<FloodShare> ParseMix(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException("--flood-mix names no kind.");
        }

        // The attacker's errors start with "mix: ".
        return FloodShares.TryParse(text, out var shares, out var error) ? shares : throw new ArgumentException($"--flood-{error}.");
    }

    /// <summary>
    /// The rate the attacker is asked for: <paramref name="forgedRate"/> is the forged messages' rate and the mix's other
    /// kinds come on top in proportion to their weights (forged:10,malformed:1 at 5,000 → 5,500/s). Without forged in the
    /// mix, <paramref name="forgedRate"/> is the total.
    /// </summary>
    public static double AttackerRate(double forgedRate, IReadOnlyList<FloodShare> mix)
    {
        ArgumentNullException.ThrowIfNull(mix);
        var forged = mix.Where(s => s.Kind == "forged").Sum(s => s.Weight);
        return forged == 0 ? forgedRate : forgedRate * mix.Sum(s => s.Weight) / forged;
    }

    /// <summary>Forged messages/s in a flood of <paramref name="attackerRate"/> with this mix.</summary>
    public static double ForgedRate(double attackerRate, IReadOnlyList<FloodShare> mix)
    {
        ArgumentNullException.ThrowIfNull(mix);
        return attackerRate * mix.Where(s => s.Kind == "forged").Sum(s => s.Weight) / mix.Sum(s => s.Weight);
    }

    /// <summary>How long to wait after the flood for legit readings still queued at the actuator: half the flood, 30..300 s.</summary>
    public static TimeSpan DrainLimit(int floodSeconds) => TimeSpan.FromSeconds(Math.Clamp(floodSeconds / 2.0, 30, 300));
}

/// <summary>
/// Applied decisions read from the actuator's log while the flood runs (paged with <c>?verdict=applied</c>, so the
/// rejected forgeries are never transferred). Keeps the unlabelled ones by message id (the legit readings are among
/// them) and only counts the ones labelled with an attempt id. Thread-safe.
/// </summary>
public sealed class AppliedDecisionTracker(long after)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Decision> _unlabelled = new(StringComparer.Ordinal);
    private long _after = after;
    private long _labelled;
    private long _control;

    /// <summary>Every decision up to this sequence number has been seen.</summary>
    public long After
    {
        get
        {
            lock (_gate)
            {
                return _after;
            }
        }
    }

    /// <summary>Applied decisions carrying an attacker's attempt id (the flood labels every message).</summary>
    public long Labelled
    {
        get
        {
            lock (_gate)
            {
                return _labelled;
            }
        }
    }

    /// <summary>Applied decisions without a message id nor an attempt id: the legit sensor's session-key announcements.</summary>
    public long Control
    {
        get
        {
            lock (_gate)
            {
                return _control;
            }
        }
    }

    public void Add(IEnumerable<Decision> page)
    {
        ArgumentNullException.ThrowIfNull(page);
        lock (_gate)
        {
            foreach (var d in page)
            {
                if (d.Seq <= _after)
                {
                    continue;
                }

                _after = d.Seq;
                if (d.Verdict != "applied")
                {
                    continue;
                }

                if (d.AttemptId is not null)
                {
                    _labelled++;
                }
                else if (d.MessageId is null)
                {
                    _control++;
                }
                else
                {
                    _unlabelled.TryAdd(d.MessageId, d);
                }
            }
        }
    }

    /// <summary>After a page that was not full, every decision up to the total read before it has been seen.</summary>
    public void AdvanceTo(long seq)
    {
        lock (_gate)
        {
            _after = Math.Max(_after, seq);
        }
    }

    public Decision? Applied(string messageId)
    {
        lock (_gate)
        {
            return _unlabelled.GetValueOrDefault(messageId);
        }
    }

    public int CountApplied(IEnumerable<string> messageIds)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        lock (_gate)
        {
            return messageIds.Count(_unlabelled.ContainsKey);
        }
    }

    /// <summary>Unlabelled applied message ids that are in neither set: readings nobody here asked for.</summary>
    public long CountUnknown(IReadOnlySet<string> legit, IReadOnlySet<string> captures)
    {
        ArgumentNullException.ThrowIfNull(legit);
        ArgumentNullException.ThrowIfNull(captures);
        lock (_gate)
        {
            return _unlabelled.Keys.Count(id => !legit.Contains(id) && !captures.Contains(id));
        }
    }
}

/// <summary>Everything measured in one flood run, before it is summarized.</summary>
public sealed record FloodObservation(
    string Pipeline,
    FloodParameters Parameters,
    FloodAttackDto Attack,
    IReadOnlyList<string> LegitIds,
    AppliedDecisionTracker Tracker,
    IReadOnlyDictionary<string, Decision> LegitRejected,
    DecisionSummary Before,
    DecisionSummary After,
    ProcessStatsDto ActuatorBefore,
    ProcessStatsDto ActuatorAfter,
    double? BrokerCpuMs,
    double WallSeconds,
    bool Healthy,
    List<FloodSample> Samples,
    double DrainSeconds,
    bool Overrun,
    double FloodStartSeconds,
    double FloodEndSeconds);

/// <summary>Turns a flood observation into the report's numbers and goal verdicts (pure, unit-tested).</summary>
public static class FloodAnalysis
{
    public const double GoalForgedRate = 5000;
    public const double GoalP99Ms = 20;
    public const long GoalPeakBytes = 150_000_000;
    public const int GoalSeconds = 600;

    public static FloodRunResult Summarize(FloodObservation o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var legit = new HashSet<string>(o.LegitIds, StringComparer.Ordinal);
        var captures = new HashSet<string>(o.Attack.CaptureMessageIds, StringComparer.Ordinal);
        var applied = legit.Select(o.Tracker.Applied).OfType<Decision>().ToList();
        var rejected = legit.Where(id => o.Tracker.Applied(id) is null && o.LegitRejected.TryGetValue(id, out var d) && d.Verdict != "applied")
            .Select(id => o.LegitRejected[id]).ToList();
        var stats = LatencyStats.Compute(applied.Where(d => d.LatencyMs is not null).Select(d => d.LatencyMs!.Value));
        var duration = o.Attack.DurationSeconds;
        var forgedSent = o.Attack.ByKind.GetValueOrDefault("forged");
        var peakWs = Math.Max(o.ActuatorAfter.PeakWorkingSetBytes, o.Samples.Select(s => Math.Max(s.WorkingSetBytes, s.PeakWorkingSetBytes)).DefaultIfEmpty(0).Max());
        var reasons = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (reason, count) in o.After.RejectedByReason)
        {
            var delta = count - o.Before.RejectedByReason.GetValueOrDefault(reason);
            if (delta != 0)
            {
                reasons[reason] = delta;
            }
        }

        double Pct(double ms) => o.WallSeconds > 0 ? ms / (o.WallSeconds * 1000) * 100 : 0;
        return new FloodRunResult
        {
            Pipeline = o.Pipeline,
            Ran = true,
            Level = o.Attack.Level,
            Mix = o.Attack.Mix,
            Qos = o.Attack.Qos,
            TargetRatePerSecond = o.Attack.TargetRatePerSecond,
            ForgedTargetRatePerSecond = o.Parameters.ForgedRatePerSecond,
            Seconds = o.Attack.RequestedSeconds,
            MessagesSent = o.Attack.MessagesSent,
            FloodDurationSeconds = duration,
            AchievedRatePerSecond = o.Attack.AchievedRatePerSecond,
            ForgedAchievedRatePerSecond = duration > 0 ? forgedSent / duration : 0,
            SentByKind = o.Attack.ByKind,
            PublishErrors = o.Attack.PublishErrors,
            MaxBacklogMessages = o.Attack.MaxBacklogMessages,
            AttackerCpuPercent = duration > 0 ? o.Attack.AttackerCpuMs / (duration * 1000) * 100 : 0,
            LegitSent = legit.Count,
            LegitRatePerSecond = o.Parameters.LegitRatePerSecond,
            LegitApplied = applied.Count,
            LegitRejected = rejected.Count,
            LegitLost = legit.Count - applied.Count - rejected.Count,
            LegitRejectReasons = rejected.GroupBy(d => d.Reason ?? "unknown").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            LegitP50Ms = stats.P50Ms,
            LegitP95Ms = stats.P95Ms,
            LegitP99Ms = stats.P99Ms,
            LegitP999Ms = stats.P999Ms,
            LegitMaxMs = stats.MaxMs,
            LegitMeanMs = stats.MeanMs,
            LegitCdf = stats.Cdf,
            ForgedApplied = o.Tracker.Labelled + o.Tracker.CountUnknown(legit, captures),
            KeyAnnouncementsApplied = o.Tracker.Control,
            DecisionsDelta = o.After.Total - o.Before.Total,
            AppliedDelta = o.After.Applied - o.Before.Applied,
            RejectedDelta = o.After.Rejected - o.Before.Rejected,
            RejectedByReasonDelta = reasons,
            ActuatorDecisionsPerSecond = o.WallSeconds > 0 ? (o.After.Total - o.Before.Total) / o.WallSeconds : 0,
            ActuatorCpuPercent = Pct(o.ActuatorAfter.CpuMilliseconds - o.ActuatorBefore.CpuMilliseconds),
            BrokerCpuPercent = o.BrokerCpuMs is { } b ? Pct(b) : null,
            ActuatorHealthyAfter = o.Healthy,
            PeakWorkingSetBytes = peakWs,
            PeakManagedHeapBytes = Math.Max(o.ActuatorAfter.ManagedHeapBytes, o.Samples.Select(s => s.ManagedHeapBytes).DefaultIfEmpty(0).Max()),
            DrainSeconds = o.DrainSeconds,
            DecisionLogOverrun = o.Overrun,
            FloodStartSeconds = o.FloodStartSeconds,
            FloodEndSeconds = o.FloodEndSeconds,
            AttackerNotes = ReportResults.OneLine(o.Attack.Notes),
            Samples = o.Samples,
        };
    }

    /// <summary>The flood goals, each with what was measured; "not measured" when the run cannot judge it (rate or duration too small).</summary>
    public static List<GoalCheck> Goals(FloodRunResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var latencyGoal = $"Flood ({r.Pipeline}): legit p99 < {Fmt.Rate(GoalP99Ms)} ms at {GoalForgedRate:#,0} forged messages/s";
        var memoryGoal = $"Flood ({r.Pipeline}): actuator peak working set < 150 MB over a 10-minute flood of forged and malformed messages";
        var healthGoal = $"Flood ({r.Pipeline}): actuator healthy after the flood";
        if (!r.Ran)
        {
            var why = "not run: " + r.Reason;
            return [new(latencyGoal, why, null), new(memoryGoal, why, null), new(healthGoal, why, null)];
        }

        var goals = new List<GoalCheck>();
        var notApplied = r.LegitLost + r.LegitRejected;
        var latency = $"p99 {Fmt.Ms(r.LegitP99Ms)} ms (p50 {Fmt.Ms(r.LegitP50Ms)}, max {Fmt.Ms(r.LegitMaxMs)}) over {Fmt.Int(r.LegitApplied)} applied legit readings " +
                      $"at {Fmt.Rate(r.ForgedAchievedRatePerSecond)} forged/s sent; {Fmt.Int(notApplied)} of {Fmt.Int(r.LegitSent)} not applied";
        if (r.ForgedAchievedRatePerSecond < 0.99 * GoalForgedRate)
        {
            goals.Add(new(latencyGoal, latency + $" — the goal's rate was not reached ({Fmt.Rate(r.ForgedAchievedRatePerSecond)} < {GoalForgedRate:0} forged/s)", null));
        }
        else if (r.LegitApplied == 0)
        {
            goals.Add(new(latencyGoal, $"no legit reading was applied ({Fmt.Int(r.LegitSent)} sent)", false));
        }
        else
        {
            // Readings that never arrived cannot hide in the tail: more than 1 % not applied fails the goal too.
            goals.Add(new(latencyGoal, latency, r.LegitP99Ms < GoalP99Ms && r.LegitNotAppliedPercent <= 1));
        }

        var memory = $"peak {Fmt.Bytes(r.PeakWorkingSetBytes)} ({Fmt.Int(r.PeakWorkingSetBytes)} bytes; goal < {Fmt.Int(GoalPeakBytes)}) over a " +
                     $"{r.FloodDurationSeconds:0}-s flood of {r.Mix}";
        var hasForged = r.SentByKind.GetValueOrDefault("forged") > 0;
        var hasMalformed = r.SentByKind.GetValueOrDefault("malformed") > 0;
        if (r.FloodDurationSeconds < 0.99 * GoalSeconds || !hasForged || !hasMalformed)
        {
            goals.Add(new(memoryGoal, memory + $" — the goal needs ≥ {GoalSeconds} s with forged and malformed messages", null));
        }
        else
        {
            goals.Add(new(memoryGoal, memory, r.PeakWorkingSetBytes < GoalPeakBytes));
        }

        goals.Add(new(healthGoal, r.ActuatorHealthyAfter ? "GET /health answered 200 after the drain" : "GET /health did not answer 200 after the drain",
            r.ActuatorHealthyAfter));
        if (r.Pipeline == "secure")
        {
            goals.Add(new("Flood (secure): no forged message applied", $"{Fmt.Int(r.ForgedApplied)} applied of {Fmt.Int(r.MessagesSent)} sent",
                r.ForgedApplied == 0));
        }

        return goals;
    }
}

/// <summary>Flood mode: runs the attacker's sustained flood on each chosen pipeline while measuring the victim.</summary>
public static class FloodMode
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task RunAsync(IAppTarget app, ReportOptions options, ReportResults results, ConsoleProgress progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(results);
        ArgumentNullException.ThrowIfNull(progress);
        var mix = FloodPlan.ParseMix(options.FloodMix);
        var parameters = new FloodParameters(options.FloodRate, FloodPlan.AttackerRate(options.FloodRate, mix), options.FloodSeconds,
            options.FloodPipelines.Count == 2 ? "both" : options.FloodPipelines[0], options.FloodLegitRate, options.FloodMix, options.FloodLevel);
        results.Run = results.Run with { Flood = parameters };
        foreach (var pipeline in options.FloodPipelines)
        {
            using var client = new PipelineClient(pipeline, app.Http($"{pipeline}-sensor"), app.Http($"{pipeline}-actuator"), () => app.BrokerPid(pipeline));
            FloodRunResult result;
            try
            {
                result = await RunOneAsync(app, client, parameters, options, results, progress, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or TimeoutException or InvalidOperationException
                                           or OperationCanceledException && !ct.IsCancellationRequested)
            {
                result = NotRun(pipeline, parameters, ReportResults.OneLine(ex.Message));
            }

            results.Flood.Add(result);
            results.Goals.AddRange(FloodAnalysis.Goals(result));
            progress.Line(result.Ran
                ? $"Flood on {pipeline}: {Fmt.Int(result.MessagesSent)} sent at {Fmt.Rate(result.AchievedRatePerSecond)}/s; legit p99 {Fmt.Ms(result.LegitP99Ms)} ms, " +
                  $"{Fmt.Int(result.LegitLost + result.LegitRejected)} of {Fmt.Int(result.LegitSent)} not applied; forged applied {Fmt.Int(result.ForgedApplied)}; " +
                  $"peak working set {Fmt.Bytes(result.PeakWorkingSetBytes)}."
                : $"Flood on {pipeline} not run: {result.Reason}");
        }

        results.Note("Flood mode: the attacker publishes at QoS 0 (fire-and-forget) from a pool of 1,024 prebuilt payloads, paced in batches on a ~1 ms tick; " +
            "every flood message carries one attempt-id label.");
        results.Note("Flood mode: legit readings come from the sensor's POST /publish while the flood runs; the applied decisions are paged every 0.5 s " +
            "(?verdict=applied) during the run, so the actuator's 50,000-entry decision ring cannot overwrite them before they are read.");
        results.Note("Flood mode: 'forged applied' counts every applied decision that is not one of the report's legit readings (labelled by the flood, or an unknown " +
            "message id); the sensor's session-key announcements and the readings the attacker asked for to capture key ids are not counted.");
    }

    private static FloodRunResult NotRun(string pipeline, FloodParameters p, string reason) => new()
    {
        Pipeline = pipeline,
        Ran = false,
        Reason = reason,
        Level = p.Level,
        Mix = p.Mix,
        TargetRatePerSecond = p.AttackerRatePerSecond,
        ForgedTargetRatePerSecond = p.ForgedRatePerSecond,
        Seconds = p.Seconds,
    };

    private static async Task<FloodRunResult> RunOneAsync(IAppTarget app, PipelineClient client, FloodParameters p, ReportOptions options,
        ReportResults results, ConsoleProgress progress, CancellationToken ct)
    {
        var pipeline = client.Pipeline;
        var resource = $"{pipeline}-attacker";
        if (!app.Has(resource))
        {
            return NotRun(pipeline, p, options.Attach ? $"no --{resource} URL was given" : $"the AppHost has no {resource} resource");
        }

        progress.Line($"Starting {resource}...");
        if (await ReportRunner.StartAttackerAsync(app, resource, options.AttackerTimeout, ct).ConfigureAwait(false) is { } problem)
        {
            return NotRun(pipeline, p, problem);
        }

        using var attacker = app.Http(resource);
        await ReportRunner.WarmUpAsync([client], 1000, 1, results, progress, ct).ConfigureAwait(false);

        var before = await client.SummaryAsync(ct).ConfigureAwait(false);
        var actuatorBefore = await client.ActuatorProcessAsync(ct).ConfigureAwait(false);
        var pid = app.BrokerPid(pipeline);
        var brokerBefore = pid is { } p1 ? MachineInfo.ProcCpuMs(p1) : null;
        var tracker = new AppliedDecisionTracker(before.Total);
        var overrun = new StrongBox<bool>();
        var samples = new List<FloodSample>();
        var clock = Stopwatch.StartNew();
        using var observing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pager = PageAsync(client, tracker, overrun, observing.Token);
        var sampler = SampleAsync(client, samples, clock, observing.Token);
        try
        {
            progress.Line($"Flooding {pipeline}: {Fmt.Rate(p.AttackerRatePerSecond)} messages/s ({p.Mix}, {Fmt.Rate(p.ForgedRatePerSecond)} forged/s) for {p.Seconds} s " +
                          $"as {p.Level}, {Fmt.Rate(p.LegitRatePerSecond)} legit readings/s meanwhile...");
            var url = string.Create(CultureInfo.InvariantCulture,
                $"/flood?rate={p.AttackerRatePerSecond}&seconds={p.Seconds}&level={p.Level}&mix={Uri.EscapeDataString(p.Mix)}");
            var floodTask = PostFloodAsync(attacker, url, ct);

            // The legit readings start when the flood does (the attacker first connects, captures and builds its pool).
            FloodStatus? status = null;
            while (!floodTask.IsCompleted)
            {
                status = await StatusAsync(attacker, ct).ConfigureAwait(false);
                if (status?.Phase == "flooding")
                {
                    break;
                }

                await Task.WhenAny(floodTask, Task.Delay(100, ct)).ConfigureAwait(false);
            }

            if (status?.Phase != "flooding")
            {
                var early = await floodTask.ConfigureAwait(false);
                return NotRun(pipeline, p, early.Refusal is { } refusal ? $"the attacker was refused: {refusal}" : $"the flood never started: {early.Notes}");
            }

            var floodStart = Math.Max(0, clock.Elapsed.TotalSeconds - status.ElapsedSeconds);
            var remaining = Math.Max(1, p.Seconds - status.ElapsedSeconds);
            var legitTask = client.PublishAsync((int)Math.Max(1, Math.Round(p.LegitRatePerSecond * remaining)), p.LegitRatePerSecond, ct);
            FloodAttackDto flood;
            double floodEnd;
            PublishResponse legit;
            using (new Timer(_ =>
                   {
                       var t = clock.Elapsed.TotalSeconds - floodStart;
                       progress.Report($"flood on {pipeline}", t / p.Seconds, $"{t:0}/{p.Seconds} s, {LastSample(samples)}");
                   }, null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)))
            {
                flood = await floodTask.ConfigureAwait(false);
                floodEnd = clock.Elapsed.TotalSeconds;
                legit = await legitTask.ConfigureAwait(false);
            }

            // Drain: legit readings may still be queued behind the flood at the broker or the actuator.
            var drain = Stopwatch.StartNew();
            var limit = FloodPlan.DrainLimit(p.Seconds);
            var lastTotal = -1L;
            var idle = Stopwatch.StartNew();
            while (drain.Elapsed < limit)
            {
                var applied = tracker.CountApplied(legit.MessageIds);
                progress.Report($"drain on {pipeline}", legit.MessageIds.Count == 0 ? 1 : (double)applied / legit.MessageIds.Count,
                    $"{applied}/{legit.MessageIds.Count} legit applied, {drain.Elapsed.TotalSeconds:0} s");
                if (applied >= legit.MessageIds.Count)
                {
                    break;
                }

                var total = (await client.SummaryAsync(ct).ConfigureAwait(false)).Total;
                if (total != lastTotal)
                {
                    lastTotal = total;
                    idle.Restart();
                }
                else if (idle.Elapsed > TimeSpan.FromSeconds(5))
                {
                    break; // the actuator decides nothing more: what is missing is lost
                }

                await Task.Delay(500, ct).ConfigureAwait(false);
            }

            var drainSeconds = drain.Elapsed.TotalSeconds;
            await observing.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(pager, sampler).ConfigureAwait(false);
            await PageOnceAsync(client, tracker, overrun, ct).ConfigureAwait(false);

            var after = await client.SummaryAsync(ct).ConfigureAwait(false);
            var healthy = await client.ActuatorHealthyAsync(ct).ConfigureAwait(false);
            var actuatorAfter = await client.ActuatorProcessAsync(ct).ConfigureAwait(false);
            var brokerAfter = pid is { } p2 ? MachineInfo.ProcCpuMs(p2) : null;
            var wall = clock.Elapsed.TotalSeconds;

            // Legit readings not applied: refused with their id still in the log (bounded look-ups), else lost.
            var rejected = new Dictionary<string, Decision>(StringComparer.Ordinal);
            foreach (var id in legit.MessageIds.Where(id => tracker.Applied(id) is null).Take(500))
            {
                if (await client.DecisionOfAsync(id, ct).ConfigureAwait(false) is { } d)
                {
                    rejected[id] = d;
                }
            }

            if (overrun.Value)
            {
                results.Note($"{pipeline} flood: the actuator's decision log (50,000 entries) may have wrapped between two polls; some applied decisions may be missing.");
            }

            return FloodAnalysis.Summarize(new FloodObservation(pipeline, p, flood, legit.MessageIds, tracker, rejected, before, after,
                actuatorBefore, actuatorAfter, brokerBefore is { } b0 && brokerAfter is { } b1 ? b1 - b0 : null, wall, healthy,
                Snapshot(samples), drainSeconds, overrun.Value, floodStart, floodEnd));
        }
        finally
        {
            await observing.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(pager, sampler).ConfigureAwait(false);
        }
    }

    private static List<FloodSample> Snapshot(List<FloodSample> samples)
    {
        lock (samples)
        {
            return [.. samples];
        }
    }

    private static string LastSample(List<FloodSample> samples)
    {
        lock (samples)
        {
            return samples.Count == 0 ? "no sample yet" : $"actuator working set {Fmt.Bytes(samples[^1].WorkingSetBytes)}";
        }
    }

    private static async Task<FloodAttackDto> PostFloodAsync(HttpClient attacker, string url, CancellationToken ct)
    {
        using var response = await attacker.PostAsync(new Uri(url, UriKind.Relative), null, ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST {url} answered {(int)response.StatusCode}: {(body.Length > 300 ? body[..300] : body)}");
        }

        return JsonSerializer.Deserialize<FloodAttackDto>(body, Json) ?? throw new JsonException("empty flood answer");
    }

    private static async Task<FloodStatus?> StatusAsync(HttpClient attacker, CancellationToken ct)
    {
        try
        {
            return await attacker.GetFromJsonAsync<FloodStatus>("/flood/status", Json, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>Pages the applied decisions every 0.5 s, so the ring (50,000 decisions) never overwrites one unread.</summary>
    private static async Task PageAsync(PipelineClient client, AppliedDecisionTracker tracker, StrongBox<bool> overrun, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await PageOnceAsync(client, tracker, overrun, ct).ConfigureAwait(false);
                await Task.Delay(500, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException)
            {
                // a slow or busy actuator: try again on the next poll
                try
                {
                    await Task.Delay(500, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static async Task PageOnceAsync(PipelineClient client, AppliedDecisionTracker tracker, StrongBox<bool> overrun, CancellationToken ct)
    {
        const int limit = 20_000;
        var total = (await client.SummaryAsync(ct).ConfigureAwait(false)).Total;
        if (total - FloodPlan.DecisionLogCapacity > tracker.After)
        {
            overrun.Value = true;
        }

        while (true)
        {
            var page = await client.AppliedAfterAsync(tracker.After, limit, ct).ConfigureAwait(false);
            tracker.Add(page);
            if (page.Count < limit)
            {
                tracker.AdvanceTo(total);
                return;
            }
        }
    }

    /// <summary>GET /process of the actuator once a second.</summary>
    private static async Task SampleAsync(PipelineClient client, List<FloodSample> samples, Stopwatch clock, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            do
            {
                try
                {
                    using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    timeout.CancelAfter(TimeSpan.FromSeconds(5));
                    var s = await client.ActuatorProcessAsync(timeout.Token).ConfigureAwait(false);
                    lock (samples)
                    {
                        samples.Add(new FloodSample(Math.Round(clock.Elapsed.TotalSeconds, 3), s.WorkingSetBytes, s.PeakWorkingSetBytes, s.ManagedHeapBytes,
                            s.CpuMilliseconds));
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or JsonException || ex is OperationCanceledException && !ct.IsCancellationRequested)
                {
                    // a missed sample (actuator too busy to answer within 5 s) leaves a gap in the series
                }
            }
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // done
        }
    }
}
