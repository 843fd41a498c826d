using System.Diagnostics;
using SmartHome.Report.Suites;
using SmartHome.Security;

namespace SmartHome.Report.Modes;

/// <summary>
/// <c>--mode suites</c>: the crypto suites against each other in one report run. Per suite, one app (secure pipeline with
/// <c>Security:Suite</c>, the insecure pipeline as the baseline), started, measured, stopped and cleaned up before the next:
/// latency at each rate beside the insecure pipeline and the raw broker hop, the throughput search and sustain, the
/// campaign on the secure pipeline; then the suite's in-process seal + open and wire bytes.
/// </summary>
public sealed class SuitesMode : IReportMode
{
    /// <summary>Readings of one sustain chunk at most: the actuator's decision log holds 50,000, and each chunk is read before the next.</summary>
    public const int SustainChunkReadings = 40_000;

    /// <summary>Messages of the raw hop's saturation run: a few seconds on a small machine.</summary>
    public const int HopCapacityMessages = 20_000;

    public ReportMode Mode => ReportMode.Suites;

    /// <summary>It starts one app per suite itself.</summary>
    public bool NeedsApp => false;

    public async Task RunAsync(ReportContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.Options;
        var results = context.Results;
        results.Run.Suites = new SuitesParameters(options.Suites, options.SuiteRates, options.SuiteSeconds, options.SustainSeconds, options.Attempts,
            options.AnnouncementFloodSeconds, options.CryptoIterations);
        foreach (var name in options.Suites)
        {
            results.Suites.Add(await RunSuiteAsync(name, context, ct).ConfigureAwait(false));
        }

        results.Goals.AddRange(SuiteAnalysis.Goals(results.Suites, results.Run.ProcessorCount));
        results.Note("Suites mode: one app per suite, one after the other; in each, the suite's secure pipeline and the insecure baseline run side by " +
            "side with the raw broker hop at each rate, so the insecure numbers are repeated per suite (same machine, different minutes).");
        results.Note($"Suites mode: CPU per reading = the processes' CPU time (GET /process; the broker from /proc) during a rate's run ÷ its readings; " +
            "at low rates it includes the services' idle work. Crypto share uses the highest rate measured.");
        if (options.SustainSeconds > 0)
        {
            results.Note($"Suites mode: a sustain is {Fmt.Rate(options.SustainSeconds)} s of traffic at one rate on the secure pipeline in back-to-back " +
                $"chunks of ≤ {SustainChunkReadings} readings ({options.ThroughputConcurrency} in flight), each drained and read before the next " +
                "(the actuator's decision log holds 50,000); the short gaps between chunks are not counted as traffic time.");
        }
    }

    private static async Task<SuiteResult> RunSuiteAsync(string name, ReportContext context, CancellationToken ct)
    {
        var options = context.Options;
        var progress = context.Progress;
        var suite = CryptoSuites.Parse(name, "--suites");
        progress.Line($"Suite {name}: starting the app with Security:Suite={name}...");
        var started = Stopwatch.StartNew();
        ManagedApp app;
        try
        {
            app = await ManagedApp.StartAsync(context.KeysDirectory, options.BrokerMode, progress, ct, [$"--Security:Suite={name}"]).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return new SuiteResult { Suite = name, Problem = ReportResults.OneLine($"the app did not start: {ex.Message}") };
        }

        var startSeconds = Math.Round(started.Elapsed.TotalSeconds, 1);
        var latency = new List<SuiteLatencyPoint>();
        ThroughputResult? throughput = null;
        BrokerHopCapacity? hopCapacity = null;
        var sustain = new List<SuiteSustain>();
        var attacks = new List<SmartHome.Contracts.AttackResult>();
        CampaignStatus campaign = new(false, "not requested (--attempts 0)");
        await using (app.ConfigureAwait(false))
        {
            context.Results.Run = context.Results.Run with { BrokerMode = app.BrokerMode, AppSource = app.Source + ", one app per suite" };
            using var clients = PipelineClients.ForBoth(app);
            await LatencyRun.WarmUpAsync(clients.Values, 200, 1, context.Results, progress, ct).ConfigureAwait(false);
            foreach (var rate in options.SuiteRates)
            {
                var count = Math.Max(10, (int)Math.Round(rate * options.SuiteSeconds));
                progress.Line($"Suite {name}: {count} readings at {Fmt.Rate(rate)}/s on both pipelines and the raw hop...");
                var (measured, hop) = await LatencyRun.MeasureSideBySideAsync(clients, app.InsecureBroker, count, rate, 1, context.Results, progress, ct)
                    .ConfigureAwait(false);
                foreach (var m in measured)
                {
                    var point = SuiteAnalysis.Point(m, hop);
                    latency.Add(point);
                    progress.Line($"  {point.Pipeline}: p50 {Fmt.Ms(point.P50Ms)} ms, p99 {Fmt.Ms(point.P99Ms)} ms, {point.Lost} lost, " +
                        $"CPU {Fmt.Rate(point.PipelineCpuUsPerReading)} µs/reading");
                }
            }

            hopCapacity = await MeasureHopCapacityAsync(app, name, options, context.Results, progress, ct).ConfigureAwait(false);
            if (options.SustainSeconds > 0)
            {
                throughput = await ThroughputMode.ThroughputAsync(clients["secure"], options, context.Results, progress, ct).ConfigureAwait(false);
                sustain = await SustainAsync(clients["secure"], throughput, options, progress, ct).ConfigureAwait(false);
            }

            if (options.Attempts > 0)
            {
                (campaign, attacks) = await CampaignAsync(app, name, options, progress, ct).ConfigureAwait(false);
            }

            progress.Line($"Suite {name}: stopping the app...");
        }

        progress.Line($"Suite {name}: in-process seal + open ({options.CryptoIterations} readings)...");
        var crypto = SuiteCryptoBench.Run(suite, options.CryptoIterations);
        return new SuiteResult
        {
            Suite = name,
            Ran = true,
            AppStartSeconds = startSeconds,
            Latency = latency,
            HopCapacity = hopCapacity,
            Crypto = crypto,
            CryptoSharePercent = SuiteAnalysis.CryptoShare(crypto, latency),
            Throughput = throughput,
            Sustain = sustain,
            Campaign = campaign,
            Attacks = attacks,
            Properties = SuiteAnalysis.Properties(name, attacks),
        };
    }

    /// <summary>
    /// The raw hop at saturation through this app's insecure broker, while no pipeline carries traffic: the CPU one MQTT hop costs,
    /// for the suite's physics ceiling. Its own warm-up first; a broker it cannot reach is a note, not a failed report.
    /// </summary>
    private static async Task<BrokerHopCapacity?> MeasureHopCapacityAsync(ManagedApp app, string suite, ReportOptions options, ReportResults results,
        ConsoleProgress progress, CancellationToken ct)
    {
        if (app.InsecureBroker is not { } broker)
        {
            return null;
        }

        progress.Line($"Suite {suite}: the raw broker hop at saturation ({HopCapacityMessages} messages, {options.ThroughputConcurrency} in flight)...");
        try
        {
            await BrokerHop.MeasureAsync(broker.Host, broker.Port, HopCapacityMessages / 10, double.PositiveInfinity, options.ThroughputConcurrency, ct)
                .ConfigureAwait(false);
            var capacity = await BrokerHop.MeasureCapacityAsync(broker.Host, broker.Port, HopCapacityMessages, options.ThroughputConcurrency,
                app.BrokerPid("insecure"), ct).ConfigureAwait(false);
            progress.Line($"  raw hop: {Fmt.Rate(capacity.MessagesPerSecond)} messages/s, {Fmt.Us(capacity.CpuUsPerMessage)} µs CPU per message");
            return capacity;
        }
        catch (Exception ex) when (BrokerHop.IsUnreachable(ex))
        {
            results.Note($"Suite {suite}: raw hop at saturation not measured: {broker.Host}:{broker.Port} refused or failed ({ex.Message}).");
            return null;
        }
    }

    /// <summary>
    /// Sustains the search's highest passing rate; when that fails, up to two more attempts at three quarters of the last rate.
    /// </summary>
    private static async Task<List<SuiteSustain>> SustainAsync(PipelineClient client, ThroughputResult search, ReportOptions options,
        ConsoleProgress progress, CancellationToken ct)
    {
        var attempts = new List<SuiteSustain>();
        var rate = search.HighestPassingRatePerSecond;
        for (var attempt = 0; attempt < 3 && rate >= 1; attempt++)
        {
            var total = (int)Math.Round(rate * options.SustainSeconds);
            var chunks = new List<RunMeasurement>();
            progress.Line($"Sustain: {total} readings at {Fmt.Rate(rate)}/s ({Fmt.Rate(options.SustainSeconds)} s)...");
            for (var done = 0; done < total; done += SustainChunkReadings)
            {
                var count = Math.Min(SustainChunkReadings, total - done);
                chunks.Add(await client.MeasureAsync(count, rate, options.ThroughputConcurrency,
                    f => progress.Report($"sustain @ {Fmt.Rate(rate)}/s", (done + f * count) / total), ct).ConfigureAwait(false));
            }

            var result = SuiteAnalysis.Sustain(rate, chunks);
            attempts.Add(result);
            progress.Line($"Sustain at {Fmt.Rate(rate)}/s: p99 {Fmt.Ms(result.P99Ms)} ms, {result.Lost} lost → {result.Verdict}");
            if (result.Passed)
            {
                break;
            }

            rate = Math.Round(rate * 0.75 / 100) * 100;
        }

        return attempts;
    }

    private static async Task<(CampaignStatus, List<SmartHome.Contracts.AttackResult>)> CampaignAsync(ManagedApp app, string suite, ReportOptions options,
        ConsoleProgress progress, CancellationToken ct)
    {
        const string resource = "secure-attacker";
        progress.Line($"Suite {suite}: campaign on the secure pipeline ({options.Attempts} attempts per attack and level)...");
        if (await CampaignRun.StartAttackerAsync(app, resource, options.AttackerTimeout, ct).ConfigureAwait(false) is { } problem)
        {
            return (new CampaignStatus(false, problem), []);
        }

        try
        {
            using var http = app.Http(resource);
            var rows = await Campaign.RunAsync(http, "secure", options.Attempts, options.AnnouncementFloodSeconds, ct).ConfigureAwait(false);
            return (new CampaignStatus(true, null), [.. rows]);
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException or TimeoutException)
        {
            return (new CampaignStatus(false, ReportResults.OneLine($"{resource}: {ex.Message}")), []);
        }
    }
}
