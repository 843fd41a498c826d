using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using SmartHome.Report.Modes;

namespace SmartHome.Report.Chaos;

/// <summary>
/// <c>--mode chaos</c>: both pipelines run readings at a steady rate while a seeded plan kills (SIGKILL) or pauses
/// (SIGSTOP, then SIGCONT) their brokers, actuators and sensors one fault at a time; the AppHost's supervision restarts
/// what died. Afterwards every reading any sensor took is judged on its actuator's durable applied journal: applied once,
/// lost, or applied twice. Each fault's recovery time runs until the pipeline's actuator applies a reading again.
/// </summary>
public sealed class ChaosMode : IReportMode
{
    /// <summary>A fault whose pipeline has not applied a reading again by then is reported as not recovered.</summary>
    public static readonly TimeSpan RecoveryBound = TimeSpan.FromMinutes(2);

    /// <summary>After the faults, the sensors' outboxes must drain within this.</summary>
    public static readonly TimeSpan DrainBound = TimeSpan.FromMinutes(5);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public ReportMode Mode => ReportMode.Chaos;

    public bool NeedsApp => true;

    public async Task RunAsync(ReportContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var results = context.Results;
        results.Campaign = new CampaignStatus(false, "mode 'chaos' injects faults into the pipelines (use --mode full for the campaign)");
        // The options never let chaos attach: it signals the processes of the app it started.
        var chaos = await MeasureAsync((ManagedApp)context.App, context.Options, context.Progress, ct).ConfigureAwait(false);
        results.Chaos = chaos;
        results.Run.Chaos = new ChaosParameters(chaos.Seed, chaos.RequestedSeconds, chaos.RatePerSecond);
        AddChaosGoal(results, chaos);
    }

    /// <summary>The goal of the chaos run: 10 minutes at 100 readings/s per pipeline, ≥ 20 faults, nothing lost or applied twice.</summary>
    internal static void AddChaosGoal(ReportResults results, ChaosResult chaos)
    {
        var clean = chaos.Pipelines.Count == ReportRunner.Pipelines.Length && chaos.Pipelines.All(p => p.Delivery is { Lost: 0, AppliedTwice: 0 });
        var measured = string.Join("; ", chaos.Pipelines.Select(p =>
            $"{p.Pipeline}: {p.Delivery.Sent} sent, {p.Delivery.Lost} lost, {p.Delivery.AppliedTwice} applied twice")) +
            $"; {chaos.Faults.Count} faults in {chaos.Seconds:0} s at {Fmt.Rate(chaos.RatePerSecond)}/s per pipeline (seed {chaos.Seed})";
        var atGoalScale = chaos.Seconds >= 600 && chaos.RatePerSecond >= 100;
        results.Goals.Add(new GoalCheck(
            "Chaos: 10 min at 100 readings/s per pipeline with ≥ 20 faults, 0 lost and 0 applied twice on both pipelines",
            measured + (atGoalScale ? string.Empty : " (shorter or slower than the goal's run)"),
            !clean ? false : atGoalScale && chaos.Faults.Count >= 20 ? true : null));
    }

    public static async Task<ChaosResult> MeasureAsync(ManagedApp app, ReportOptions options, ConsoleProgress progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        var seed = options.ChaosSeed ?? Random.Shared.Next(1, int.MaxValue);
        var plan = FaultPlan.Create(seed, options.ChaosSeconds);
        progress.Line(string.Create(CultureInfo.InvariantCulture,
            $"Chaos: seed {seed} ({plan.Count} faults planned over {options.ChaosSeconds:0} s, {options.ChaosRate:0.#} readings/s per pipeline); " +
            $"replay with --mode chaos --chaos-seed {seed}"));
        var result = new ChaosResult { Seed = seed, RequestedSeconds = options.ChaosSeconds, RatePerSecond = options.ChaosRate };
        var homes = FaultPlan.Pipelines.Select(p => new HomeUnderChaos(p, app)).ToList();
        try
        {
            await RunFaultsAsync(app, homes, plan, options, result, progress, ct).ConfigureAwait(false);
            await DrainAsync(homes, result, progress, ct).ConfigureAwait(false);
            foreach (var home in homes)
            {
                home.Tail.Poll();
                var applied = await home.Actuator.GetFromJsonAsync<Dictionary<string, int>>("/applied", Json, ct).ConfigureAwait(false) ?? [];
                var faults = result.Faults.Where(f => f.Pipeline == home.Pipeline).ToList();
                var slowest = faults.Where(f => f.RecoverySeconds is not null).MaxBy(f => f.RecoverySeconds);
                result.Pipelines.Add(new ChaosPipelineResult(home.Pipeline, home.Ledger.Judge(applied), faults.Count,
                    faults.Any(f => f.RecoverySeconds is null) ? null : slowest?.RecoverySeconds,
                    slowest is null ? null : $"#{slowest.Index} {slowest.Kind} {slowest.Role}"));
            }
        }
        finally
        {
            foreach (var home in homes)
            {
                home.Dispose();
            }
        }

        return result;
    }

    private static async Task RunFaultsAsync(ManagedApp app, List<HomeUnderChaos> homes, IReadOnlyList<PlannedFault> plan, ReportOptions options,
        ChaosResult result, ConsoleProgress progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var background = new List<Task>(homes.Select(h => PublishLoopAsync(h, options.ChaosRate, stop.Token)))
        {
            TailLoopAsync(homes, stop.Token),
        };
        background.AddRange(homes.Select(h => SampleLoopAsync(h, clock, result, stop.Token)));
        var end = TimeSpan.FromSeconds(options.ChaosSeconds);
        try
        {
            foreach (var fault in plan)
            {
                var wait = TimeSpan.FromSeconds(fault.GapSeconds);
                if (clock.Elapsed + wait >= end)
                {
                    break;
                }

                await Task.Delay(wait, ct).ConfigureAwait(false);
                var injected = await InjectAsync(app, homes.Single(h => h.Pipeline == fault.Pipeline), fault, clock, ct).ConfigureAwait(false);
                result.Faults.Add(injected);
                progress.Report("chaos", clock.Elapsed / end, string.Create(CultureInfo.InvariantCulture,
                    $"fault {fault.Index}: {fault.Kind} {fault.Resource}, recovered in {(injected.RecoverySeconds is { } r ? $"{r:0.0} s" : "—")}"));
            }

            var rest = end - clock.Elapsed;
            if (rest > TimeSpan.Zero)
            {
                await Task.Delay(rest, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            result.Seconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(background).ConfigureAwait(false);
        }

        progress.Line(string.Create(CultureInfo.InvariantCulture,
            $"Chaos: {result.Faults.Count} faults in {result.Seconds:0} s; waiting for the sensors' outboxes to drain..."));
    }

    /// <summary>One fault: find the process, signal it, and time the pipeline until its actuator applies a reading again.</summary>
    private static async Task<InjectedFault> InjectAsync(ManagedApp app, HomeUnderChaos home, PlannedFault fault, Stopwatch clock, CancellationToken ct)
    {
        var at = Math.Round(clock.Elapsed.TotalSeconds, 1);
        var pid = await home.PidAsync(fault.Role, ct).ConfigureAwait(false);
        if (pid is null)
        {
            return new InjectedFault(fault.Index, at, fault.Pipeline, fault.Role, Name(fault.Kind), fault.PauseSeconds, null, null,
                $"{fault.Resource} had no process to hit ({app.StateOf(fault.Resource) ?? "state unknown"})");
        }

        var before = await home.ProgressAsync(ct).ConfigureAwait(false);
        string? failure;
        if (fault.Kind == FaultKind.Kill)
        {
            failure = ProcessSignals.Send(pid.Value, ProcessSignals.Kill);
        }
        else
        {
            failure = ProcessSignals.Send(pid.Value, ProcessSignals.Stop);
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(fault.PauseSeconds), ct).ConfigureAwait(false);
            }
            finally
            {
                // Never leave a process stopped, whatever ends the run.
                ProcessSignals.Send(pid.Value, ProcessSignals.Continue);
            }
        }

        if (failure is not null)
        {
            return new InjectedFault(fault.Index, at, fault.Pipeline, fault.Role, Name(fault.Kind), fault.PauseSeconds, pid, null, failure);
        }

        var ended = Stopwatch.StartNew();
        if (fault.Kind == FaultKind.Kill && fault.Role != "actuator")
        {
            // A killed broker or sensor has recovered only once its replacement runs: readings already on their way
            // (queued in the broker, sent by the sensor before it died) may still be applied before that, and do not count.
            while (ended.Elapsed < RecoveryBound && await home.PidAsync(fault.Role, ct).ConfigureAwait(false) is var replacement &&
                   (replacement is null || replacement == pid))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), ct).ConfigureAwait(false);
            }
        }

        var baseline = fault.Role == "actuator" ? before : await home.ProgressAsync(ct).ConfigureAwait(false) ?? before;
        while (ended.Elapsed < RecoveryBound)
        {
            if (await home.ProgressAsync(ct).ConfigureAwait(false) is { } now && baseline is { } b &&
                (now.Pid == b.Pid ? now.Applied > b.Applied : now.Applied > 0))
            {
                return new InjectedFault(fault.Index, at, fault.Pipeline, fault.Role, Name(fault.Kind), fault.PauseSeconds, pid,
                    Math.Round(ended.Elapsed.TotalSeconds, 2), null);
            }

            // A killed actuator answers again only after its restart: then anything it applies is progress.
            baseline ??= await home.ProgressAsync(ct).ConfigureAwait(false) is { } first ? first with { Applied = 0 } : null;
            await Task.Delay(TimeSpan.FromMilliseconds(200), ct).ConfigureAwait(false);
        }

        // Not recovered: say what the AppHost shows, and press Start so the rest of the run still measures something.
        var state = app.StateOf(fault.Resource);
        var start = await app.ExecuteAsync(fault.Resource, KnownResourceCommands.StartCommand, ct).ConfigureAwait(false);
        var note = $"no reading applied within {RecoveryBound.TotalSeconds:0} s; {fault.Resource} was '{state ?? "unknown"}'; " +
               (start is null ? "Start pressed" : $"Start failed: {start}");
        return new InjectedFault(fault.Index, at, fault.Pipeline, fault.Role, Name(fault.Kind), fault.PauseSeconds, pid, null, note);
    }

    private static string Name(FaultKind kind) => kind == FaultKind.Kill ? "SIGKILL" : "SIGSTOP";

    /// <summary>One second of readings per request, again and again; a request a fault cuts off is simply followed by the next.</summary>
    private static async Task PublishLoopAsync(HomeUnderChaos home, double rate, CancellationToken stop)
    {
        var count = (int)Math.Max(1, Math.Round(rate));
        while (!stop.IsCancellationRequested)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            try
            {
                var answer = await home.Client.PublishAsync(count, rate, timeout.Token).ConfigureAwait(false);
                home.Ledger.Taken(answer.MessageIds);
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException)
            {
                // The sensor died, stalled or lost its broker under the request: what it took is in its outbox file.
                if (!stop.IsCancellationRequested)
                {
                    await Delay(TimeSpan.FromMilliseconds(250), stop).ConfigureAwait(false);
                }
            }
        }
    }

    private static async Task TailLoopAsync(List<HomeUnderChaos> homes, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            foreach (var home in homes)
            {
                home.Tail.Poll();
            }

            await Delay(TimeSpan.FromMilliseconds(50), stop).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One pipeline once a second: what its sensor took and its actuator applied since the last sample, divided by the
    /// time that really passed (a probe of a stopped process waits for its timeout). Each pipeline samples on its own, so
    /// a stalled process in one never stretches the other's samples.
    /// </summary>
    private static async Task SampleLoopAsync(HomeUnderChaos home, Stopwatch clock, ChaosResult result, CancellationToken stop)
    {
        var last = (At: clock.Elapsed.TotalSeconds, Taken: home.Ledger.TakenCount, Actuator: (ActuatorProgress?)null);
        while (!stop.IsCancellationRequested)
        {
            await Delay(TimeSpan.FromSeconds(1), stop).ConfigureAwait(false);
            var progress = await home.ProgressAsync(CancellationToken.None).ConfigureAwait(false);
            var pending = await home.OutboxPendingAsync(CancellationToken.None).ConfigureAwait(false);
            var now = (At: clock.Elapsed.TotalSeconds, Taken: home.Ledger.TakenCount, Actuator: progress ?? last.Actuator);
            var seconds = Math.Max(0.001, now.At - last.At);
            var applied = AppliedRate(last.Actuator, progress, seconds);
            var sample = new ChaosSample(Math.Round(now.At, 1), home.Pipeline, Math.Round((now.Taken - last.Taken) / seconds, 1),
                applied is { } a ? Math.Round(a, 1) : null, pending);
            lock (result.Timeline)
            {
                result.Timeline.Add(sample);
            }

            last = now;
        }
    }

    /// <summary>
    /// Readings per second an actuator applied between two probes <paramref name="seconds"/> apart: a new pid is a restarted
    /// actuator, whose count starts again from 0; null when either probe got no answer.
    /// </summary>
    internal static double? AppliedRate(ActuatorProgress? before, ActuatorProgress? now, double seconds)
    {
        if (before is null || now is null || seconds <= 0)
        {
            return null;
        }

        var applied = now.Pid == before.Pid ? Math.Max(0, now.Applied - before.Applied) : now.Applied;
        return applied / seconds;
    }

    private static async Task DrainAsync(List<HomeUnderChaos> homes, ChaosResult result, ConsoleProgress progress, CancellationToken ct)
    {
        var drain = Stopwatch.StartNew();
        while (true)
        {
            var pending = await Task.WhenAll(homes.Select(h => h.OutboxPendingAsync(ct))).ConfigureAwait(false);
            if (pending.All(p => p == 0))
            {
                break;
            }

            if (drain.Elapsed > DrainBound)
            {
                progress.Line($"Chaos: the outboxes did not drain within {DrainBound.TotalMinutes:0} min " +
                              $"({string.Join(", ", homes.Zip(pending, (h, p) => $"{h.Pipeline}: {p?.ToString(CultureInfo.InvariantCulture) ?? "no answer"}"))}).");
                break;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false);
        }

        result.DrainSeconds = Math.Round(drain.Elapsed.TotalSeconds, 1);
    }

    private static async Task Delay(TimeSpan wait, CancellationToken stop)
    {
        try
        {
            await Task.Delay(wait, stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the run is over
        }
    }
}
