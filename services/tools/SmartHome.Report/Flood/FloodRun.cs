using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using SmartHome.Contracts;
using SmartHome.Report.Modes;

namespace SmartHome.Report.Flood;

/// <summary>One flood on one pipeline: starts its attacker, floods while legit readings run, drains, and summarizes what was observed.</summary>
internal static class FloodRun
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<FloodRunResult> RunAsync(IAppTarget app, PipelineClient client, FloodParameters p, ReportOptions options,
        ReportResults results, ConsoleProgress progress, CancellationToken ct)
    {
        var pipeline = client.Pipeline;
        var resource = $"{pipeline}-attacker";
        if (!app.Has(resource))
        {
            return NotRun(pipeline, p, options.Attach ? $"no --{resource} URL was given" : $"the AppHost has no {resource} resource");
        }

        progress.Line($"Starting {resource}...");
        if (await CampaignRun.StartAttackerAsync(app, resource, options.AttackerTimeout, ct).ConfigureAwait(false) is { } problem)
        {
            return NotRun(pipeline, p, problem);
        }

        using var attacker = app.Http(resource);
        await LatencyRun.WarmUpAsync([client], 1000, 1, results, progress, ct).ConfigureAwait(false);

        var before = await client.SummaryAsync(ct).ConfigureAwait(false);
        var actuatorBefore = await client.ActuatorProcessAsync(ct).ConfigureAwait(false);
        var pid = app.BrokerPid(pipeline);
        var brokerBefore = pid is { } p1 ? MachineInfo.ProcCpuMs(p1) : null;
        var tracker = new AppliedDecisionTracker(before.Total);
        var overrun = new StrongBox<bool>();
        var samples = new List<FloodSample>();
        var clock = Stopwatch.StartNew();
        using var observing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var pager = FloodObserver.PageAsync(client, tracker, overrun, observing.Token);
        var sampler = FloodObserver.SampleAsync(client, samples, clock, observing.Token);
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
                       progress.Report($"flood on {pipeline}", t / p.Seconds, $"{t:0}/{p.Seconds} s, {FloodObserver.LastSample(samples)}");
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
            await FloodObserver.PageOnceAsync(client, tracker, overrun, ct).ConfigureAwait(false);

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
                FloodObserver.Snapshot(samples), drainSeconds, overrun.Value, floodStart, floodEnd));
        }
        finally
        {
            await observing.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(pager, sampler).ConfigureAwait(false);
        }
    }

    internal static FloodRunResult NotRun(string pipeline, FloodParameters p, string reason) => new()
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
}
