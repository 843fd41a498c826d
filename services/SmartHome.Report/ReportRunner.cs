using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using SmartHome.Security;

namespace SmartHome.Report;

/// <summary>The report's entry point (also called in-process by the tests).</summary>
public static class ReportRunner
{
    public static readonly string[] Pipelines = SummaryWriter.Pipelines;

    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken) =>
        ReportCommandLine.RunAsync(args, RunAsync, cancellationToken);

    private static async Task<int> RunAsync(ReportOptions options, CancellationToken cancellationToken)
    {
        var progress = ConsoleProgress.ForConsole();
        try
        {
            var results = await RunAsync(options, progress, cancellationToken).ConfigureAwait(false);
            var files = Write(results, options.OutputDirectory);
            progress.Line($"Wrote {string.Join(", ", files)} to {Path.GetFullPath(options.OutputDirectory)}");
            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            progress.Line("Cancelled.");
            return 130;
        }
    }

    public static async Task<ReportResults> RunAsync(ReportOptions options, ConsoleProgress progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        var clock = Stopwatch.StartNew();
        var loadAtStart = MachineInfo.LoadAverage();
        var repo = MachineInfo.FindRepositoryRoot();
        var keysDirectory = Path.GetFullPath(options.KeysDirectory ?? Path.Combine(repo ?? ".", "keys"));
        Directory.CreateDirectory(options.OutputDirectory);

        var mode = options.Mode.ToString().ToLowerInvariant();
        var results = new ReportResults
        {
            Run = new RunInfo(mode, DateTimeOffset.UtcNow, 0, MachineInfo.Describe(), MachineInfo.Os, Environment.ProcessorCount,
                MachineInfo.Runtime, MachineInfo.AspireVersion, repo is null ? null : MachineInfo.GitCommit(repo), "n/a (in-process)",
                "none (in-process)", options.Attempts, options.Readings, options.RatePerSecond, options.Concurrency, options.FleetSize,
                options.CryptoIterations),
        };

        if (options.Mode == ReportMode.Fleet)
        {
            var cache = options.FleetKeysDirectory ?? Path.Combine(options.OutputDirectory, "fleet-keys");
            results.Fleet = FleetBench.Run(options.FleetSize, cache, progress);
            results.Note("Fleet mode runs in-process (no broker): it measures the actuator's receiver classes, not MQTT transport.");
        }
        else
        {
            await using var app = options.Attach
                ? (IAppTarget)new AttachedApp(options.Urls, options.BrokerMode ?? "executable", options.ControlSecret)
                : await ManagedApp.StartAsync(keysDirectory, options.BrokerMode, progress, ct).ConfigureAwait(false);
            var brokerMode = app.BrokerMode + (app.BrokerMode == "executable" && MachineInfo.MosquittoVersion() is { } v ? $" ({v})" : string.Empty);
            results.Run = results.Run with { BrokerMode = brokerMode, AppSource = app.Source };
            // Flood and chaos modes make their own clients (attached, flood may know only the flooded pipeline's URLs).
            var clients = options.Mode is ReportMode.Flood or ReportMode.Chaos
                ? new Dictionary<string, PipelineClient>()
                : Pipelines.ToDictionary(p => p, p => new PipelineClient(p, app.Http($"{p}-sensor"), app.Http($"{p}-actuator"),
                    () => app.BrokerPid(p)));
            try
            {
                if (options.Mode == ReportMode.Chaos)
                {
                    results.Campaign = new CampaignStatus(false, "mode 'chaos' injects faults into the pipelines (use --mode full for the campaign)");
                    var chaos = await Chaos.ChaosMode.RunAsync((ManagedApp)app, options, progress, ct).ConfigureAwait(false);
                    results.Chaos = chaos;
                    results.Run.Chaos = new ChaosParameters(chaos.Seed, chaos.RequestedSeconds, chaos.RatePerSecond);
                    AddChaosGoal(results, chaos);
                }
                else if (options.Mode == ReportMode.Flood)
                {
                    results.Campaign = new CampaignStatus(false, "mode 'flood' runs only the attacker's sustained flood (use --mode full for the campaign)");
                    await FloodMode.RunAsync(app, options, results, progress, ct).ConfigureAwait(false);
                }
                else if (options.Mode == ReportMode.Throughput)
                {
                    foreach (var p in Pipelines)
                    {
                        results.Throughput.Add(await ThroughputAsync(clients[p], options, results, progress, ct).ConfigureAwait(false));
                    }

                    AddThroughputGoals(results);
                    results.Note("Throughput steps run one pipeline at a time (the other idles), so each pipeline has the whole machine; " +
                        "a step's count is bounded (about --step-seconds of traffic, 1,000..40,000 readings).");
                }
                else
                {
                    await LatencyAsync(clients, options, results, progress, ct).ConfigureAwait(false);
                    if (options.Mode == ReportMode.Full)
                    {
                        await CampaignAsync(app, options, results, progress, ct).ConfigureAwait(false);
                    }
                    else
                    {
                        results.Campaign = new CampaignStatus(false, "mode 'latency' does not run the attack campaign (use --mode full)");
                    }

                    results.Crypto = RunCrypto(keysDirectory, options.CryptoIterations, results, progress);
                    AddLatencyGoals(results);
                }
            }
            finally
            {
                foreach (var c in clients.Values)
                {
                    c.Dispose();
                }
            }
        }

        results.Run.DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
        results.Run.LoadAverage = $"{loadAtStart} at start, {MachineInfo.LoadAverage()} at end";
        return results;
    }

    private static async Task LatencyAsync(Dictionary<string, PipelineClient> clients, ReportOptions options, ReportResults results,
        ConsoleProgress progress, CancellationToken ct)
    {
        await WarmUpAsync(clients.Values, options.RatePerSecond, options.Concurrency, results, progress, ct).ConfigureAwait(false);
        progress.Line($"Latency run: {options.Readings} readings per pipeline at {options.RatePerSecond}/s, both pipelines side by side...");
        var fractions = new double[Pipelines.Length];
        var runs = Pipelines.Select((p, i) => clients[p].MeasureAsync(options.Readings, options.RatePerSecond, options.Concurrency, f =>
        {
            fractions[i] = f;
            progress.Report("latency run", fractions.Average(), string.Join(", ", Pipelines.Select((q, j) => $"{q} {fractions[j] * 100:0}%")));
        }, ct)).ToList();
        var measured = await Task.WhenAll(runs).ConfigureAwait(false);
        foreach (var m in measured)
        {
            var l = Analysis.Latency(m);
            results.Latency.Add(l);
            progress.Line($"{l.Pipeline}: {l.Applied} applied, {l.Lost} lost, {l.RejectedLegit} rejected; p50 {Fmt.Ms(l.P50Ms)} ms, p99 {Fmt.Ms(l.P99Ms)} ms.");
            if (l.RejectedLegit > 0)
            {
                results.Note($"{l.Pipeline}: {l.RejectedLegit} legitimate readings were rejected: " +
                    string.Join(", ", l.RejectReasons.Select(kv => $"{kv.Key} {kv.Value}")) + ".");
            }
        }
    }

    /// <summary>A short unmeasured burst per pipeline first, so JIT, connections and session keys are warm.</summary>
    internal static async Task WarmUpAsync(IEnumerable<PipelineClient> clients, double rate, int concurrency, ReportResults results,
        ConsoleProgress progress, CancellationToken ct)
    {
        const int warmUp = 300;
        progress.Line($"Warm-up: {warmUp} unmeasured readings per pipeline...");
        await Task.WhenAll(clients.Select(c => c.MeasureAsync(warmUp, rate, concurrency, null, ct))).ConfigureAwait(false);
        if (!results.Notes.Any(n => n.StartsWith("Warm-up", StringComparison.Ordinal)))
        {
            results.Note($"Warm-up: each pipeline first carried {warmUp} unmeasured readings (JIT, connections, session keys); they are not in any number.");
        }
    }

    private static async Task CampaignAsync(IAppTarget app, ReportOptions options, ReportResults results, ConsoleProgress progress,
        CancellationToken ct)
    {
        var missing = Pipelines.Select(p => $"{p}-attacker").Where(r => !app.Has(r)).ToList();
        if (missing.Count > 0)
        {
            var why = options.Attach
                ? $"no URL was given for {string.Join(" and ", missing)} (pass --insecure-attacker URL --secure-attacker URL)"
                : $"the AppHost has no {string.Join(" and ", missing)} resource yet (SmartHome.Attacker, issue 5, had not landed when this report ran)";
            results.Campaign = new CampaignStatus(false, why);
            progress.Line("Attack campaign not run: " + why);
            return;
        }

        var failures = new List<string>();
        progress.Line("Starting insecure-attacker and secure-attacker...");
        var started = await Task.WhenAll(Pipelines.Select(p => StartAttackerAsync(app, $"{p}-attacker", options.AttackerTimeout, ct)))
            .ConfigureAwait(false);
        for (var i = 0; i < Pipelines.Length; i++)
        {
            var pipeline = Pipelines[i];
            var resource = $"{pipeline}-attacker";
            if (started[i] is { } problem)
            {
                failures.Add(problem);
                progress.Line("Not run: " + problem);
                continue;
            }

            try
            {

                using var http = app.Http(resource);
                var sw = Stopwatch.StartNew();
                using var ticker = new Timer(_ => progress.Report($"campaign on {pipeline}", 0, $"{sw.Elapsed.TotalSeconds:0} s"), null,
                    TimeSpan.Zero, TimeSpan.FromSeconds(1));
                var rows = await Campaign.RunAsync(http, pipeline, options.Attempts, options.AnnouncementFloodSeconds, ct).ConfigureAwait(false);
                results.Attacks.AddRange(rows);
                progress.Line($"Campaign on {pipeline}: {rows.Count} attack × level results in {sw.Elapsed.TotalSeconds:0} s.");
            }
            catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException or TimeoutException
                                           or InvalidOperationException or OperationCanceledException && !ct.IsCancellationRequested)
            {
                failures.Add($"{resource}: {ex.Message}");
            }
        }

        results.Campaign = failures.Count == 0
            ? new CampaignStatus(true, null)
            : new CampaignStatus(results.Attacks.Count > 0, ReportResults.OneLine(string.Join("; ", failures)));
    }

    internal static async Task<string?> StartAttackerAsync(IAppTarget app, string resource, TimeSpan timeout, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            return await app.StartAsync(resource, limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return $"{resource} did not become healthy within {timeout.TotalSeconds:0} s";
        }
    }

    private static CryptoBreakdown RunCrypto(string keysDirectory, int iterations, ReportResults results, ConsoleProgress progress)
    {
        progress.Line($"Crypto microbenchmark ({iterations} iterations per operation, in-process)...");
        var paths = new KeyPaths(keysDirectory);
        DSA signing;
        DSA verify;
        RSA rsa;
        if (File.Exists(paths.DevicePrivateKey("temp-living")) && File.Exists(paths.ActuatorPrivateKey))
        {
            signing = KeyFiles.LoadDsa(paths.DevicePrivateKey("temp-living"), requirePrivate: true);
            verify = KeyFiles.LoadDsa(paths.DevicePublicKey("temp-living"), requirePrivate: false);
            rsa = KeyFiles.LoadRsa(paths.ActuatorPrivateKey, requirePrivate: true);
        }
        else
        {
            signing = DSA.Create(2048);
            verify = DSA.Create(signing.ExportParameters(false));
            rsa = RSA.Create(2048);
        }

        using (signing)
        using (verify)
        using (rsa)
        {
            var crypto = CryptoBench.Run(signing, verify, rsa, iterations, f => progress.Report("crypto microbenchmark", f));
            var insecure = results.Latency.FirstOrDefault(l => l.Pipeline == "insecure");
            var secure = results.Latency.FirstOrDefault(l => l.Pipeline == "secure");
            var diff = insecure is { Applied: > 0 } && secure is { Applied: > 0 } ? (secure.P50Ms - insecure.P50Ms) * 1000 : (double?)null;
            progress.Line($"Seal + open: {Fmt.Us(crypto.SealPlusOpenUs)} µs mean, {Fmt.Us(crypto.SealPlusOpenP50Us)} µs p50 per message.");
            return crypto with { MeasuredSecureMinusInsecureP50Us = diff };
        }
    }

    private static void AddLatencyGoals(ReportResults r)
    {
        var secure = r.Latency.FirstOrDefault(l => l.Pipeline == "secure");
        var insecure = r.Latency.FirstOrDefault(l => l.Pipeline == "insecure");
        var ok = secure is { Applied: > 0 };
        r.Goals.Add(new GoalCheck("Issue 4: secure p50 < 1.5 ms",
            ok ? $"secure p50 = {Fmt.Ms(secure!.P50Ms)} ms" : "no secure readings applied", ok ? secure!.P50Ms < 1.5 : null));
        if (r.Crypto is { MeasuredSecureMinusInsecureP50Us: { } diff } c && insecure is not null)
        {
            // Median against median: a mean inflated by other work on the machine would flatter the ratio.
            string Ratio(double cost) => cost > 0 ? (diff / cost).ToString("0.00", CultureInfo.InvariantCulture) : "n/a";
            r.Goals.Add(new GoalCheck("Issue 4: secure p50 − insecure p50 ≤ 1.25 × (seal + open), p50 against p50",
                $"{Fmt.Us(diff)} µs vs seal + open {Fmt.Us(c.SealPlusOpenP50Us)} µs (p50) = {Ratio(c.SealPlusOpenP50Us)} × " +
                $"(against the mean {Fmt.Us(c.SealPlusOpenUs)} µs: {Ratio(c.SealPlusOpenUs)} ×)",
                diff <= 1.25 * c.SealPlusOpenP50Us));
        }
        else
        {
            r.Goals.Add(new GoalCheck("Issue 4: secure p50 − insecure p50 ≤ 1.25 × (seal + open)", "not measured (no latency of both pipelines)", null));
        }
    }

    private static void AddThroughputGoals(ReportResults r)
    {
        foreach (var (pipeline, goal) in new[] { ("insecure", 20_000.0), ("secure", 2_000.0) })
        {
            var t = r.Throughput.FirstOrDefault(x => x.Pipeline == pipeline);
            r.Goals.Add(new GoalCheck($"Issue 6: {pipeline} sustains ≥ {Fmt.Rate(goal)} readings/s (loss < 1 %, p99 < 50 ms)",
                t is null ? "not measured" : $"highest passing step {Fmt.Rate(t.HighestPassingRatePerSecond)}/s",
                t is null ? null : t.HighestPassingRatePerSecond >= goal));
        }
    }

    private static async Task<ThroughputResult> ThroughputAsync(PipelineClient client, ReportOptions options, ReportResults results, ConsoleProgress progress,
        CancellationToken ct)
    {
        var pipeline = client.Pipeline;
        await WarmUpAsync([client], 1000, options.ThroughputConcurrency, results, progress, ct).ConfigureAwait(false);
        var rate = pipeline == "secure" ? 500.0 : 2000.0;
        var ceiling = pipeline == "secure" ? 16_000.0 : 128_000.0;
        var steps = new List<ThroughputStep>();
        double? pass = null;
        double? fail = null;

        async Task<ThroughputStep> StepAsync(double r)
        {
            var count = (int)Math.Clamp(r * options.StepSeconds, 1000, 40_000);
            progress.Line($"{pipeline}: step at {Fmt.Rate(r)}/s ({count} readings, {options.ThroughputConcurrency} in flight)...");
            var m = await client.MeasureAsync(count, r, options.ThroughputConcurrency, f => progress.Report($"{pipeline} @ {Fmt.Rate(r)}/s", f), ct)
                .ConfigureAwait(false);
            var step = Analysis.Step(m, options.ThroughputConcurrency) with { LoadAverage = MachineInfo.LoadAverage() };
            steps.Add(step);
            progress.Line($"{pipeline} @ {Fmt.Rate(r)}/s: achieved {Fmt.Rate(step.AchievedPerSecond)}/s, p99 {Fmt.Ms(step.P99Ms)} ms, " +
                $"loss {Fmt.Pct(step.LossPercent)} %, CPU sensor {Fmt.Rate(step.SensorCpuPercent)} %, actuator {Fmt.Rate(step.ActuatorCpuPercent)} %, " +
                $"broker {(step.BrokerCpuPercent is { } b ? Fmt.Rate(b) : "?")} %, load {step.LoadAverage} → {step.Verdict}");
            return step;
        }

        // Double until a step fails, then bisect twice between the last pass and the first fail.
        while (rate <= ceiling)
        {
            var s = await StepAsync(rate).ConfigureAwait(false);
            if (!s.Passed)
            {
                fail = rate;
                break;
            }

            pass = rate;
            rate *= 2;
        }

        if (fail is not null)
        {
            var low = pass ?? fail.Value / 4;
            var high = fail.Value;
            for (var i = 0; i < 2; i++)
            {
                var mid = Math.Round((low + high) / 2 / 100) * 100;
                if (mid <= low || mid >= high)
                {
                    break;
                }

                if ((await StepAsync(mid).ConfigureAwait(false)).Passed)
                {
                    low = mid;
                    pass = Math.Max(pass ?? 0, mid);
                }
                else
                {
                    high = mid;
                }
            }
        }

        var best = steps.Where(s => s.Passed).OrderByDescending(s => s.TargetRatePerSecond).FirstOrDefault();
        return new ThroughputResult(pipeline, best?.TargetRatePerSecond ?? 0, best?.AchievedPerSecond ?? 0, Bottleneck(steps), steps);
    }

    /// <summary>
    /// Names what limited the first failing step: the busiest process (CPU % of one core, from GET /process and
    /// /proc for the broker) when one is near a full core; the machine when the processes together use most of its
    /// cores; otherwise CPU contention from other work on the machine.
    /// </summary>
    public static string Bottleneck(IReadOnlyList<ThroughputStep> steps, int? cores = null)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var machineCores = cores ?? Environment.ProcessorCount;
        var failed = steps.Where(s => !s.Passed).OrderBy(s => s.TargetRatePerSecond).FirstOrDefault();
        if (failed is null)
        {
            return "none found: every step passed up to the ceiling";
        }

        var cpu = new List<(string Name, double Percent)> { ("sensor", failed.SensorCpuPercent), ("actuator", failed.ActuatorCpuPercent) };
        if (failed.BrokerCpuPercent is { } broker)
        {
            cpu.Add(("broker", broker));
        }

        var busiest = cpu.MaxBy(c => c.Percent);
        var text = $"at {Fmt.Rate(failed.TargetRatePerSecond)}/s: " + string.Join(", ", cpu.Select(c => $"{c.Name} {Fmt.Rate(c.Percent)} %")) +
            " of one core";
        var total = cpu.Sum(c => c.Percent);
        if (total >= 80 * machineCores)
        {
            return text + $"; together {Fmt.Rate(total)} % of one core, i.e. {Fmt.Rate(total / machineCores)} % of this machine's " +
                $"{machineCores} cores: the pipeline's own processes saturate the machine (busiest: {busiest.Name})";
        }

        if (busiest.Percent < 70)
        {
            return text + $"; no pipeline process was near a full core while the machine's load average was {failed.LoadAverage}: " +
                "CPU contention from other work limited this step, not the pipeline";
        }

        return text + $"; busiest: {busiest.Name}" +
            (busiest.Name == "actuator" ? " (its MQTT message handler is sequential: one core at most)" : string.Empty);
    }

    /// <summary>The goal of the chaos run: 10 minutes at 100 readings/s per pipeline, ≥ 20 faults, nothing lost or applied twice.</summary>
    internal static void AddChaosGoal(ReportResults results, Chaos.ChaosResult chaos)
    {
        var clean = chaos.Pipelines.Count == Pipelines.Length && chaos.Pipelines.All(p => p.Delivery is { Lost: 0, AppliedTwice: 0 });
        var measured = string.Join("; ", chaos.Pipelines.Select(p =>
            $"{p.Pipeline}: {p.Delivery.Sent} sent, {p.Delivery.Lost} lost, {p.Delivery.AppliedTwice} applied twice")) +
            $"; {chaos.Faults.Count} faults in {chaos.Seconds:0} s at {Fmt.Rate(chaos.RatePerSecond)}/s per pipeline (seed {chaos.Seed})";
        var atGoalScale = chaos.Seconds >= 600 && chaos.RatePerSecond >= 100;
        results.Goals.Add(new GoalCheck(
            "Chaos: 10 min at 100 readings/s per pipeline with ≥ 20 faults, 0 lost and 0 applied twice on both pipelines",
            measured + (atGoalScale ? string.Empty : " (shorter or slower than the goal's run)"),
            !clean ? false : atGoalScale && chaos.Faults.Count >= 20 ? true : null));
    }

    /// <summary>Writes results.json, results.csv, summary.md and the PNGs from one results object; returns the file names.</summary>
    public static List<string> Write(ReportResults results, string directory)
    {
        ArgumentNullException.ThrowIfNull(results);
        Directory.CreateDirectory(directory);
        var plots = new List<string>();
        if (results.Attacks.Count > 0)
        {
            // The outcome grid keeps the old bar chart's file name, so links to it (summary.md, READMEs) still work.
            Plots.AttackOutcomes(results.Attacks, Path.Combine(directory, "attack-success.png"));
            plots.Add("attack-success.png");
        }

        if (results.Latency.Any(l => l.Cdf.Count > 0))
        {
            Plots.LatencyCdf(results.Latency, Path.Combine(directory, "latency-cdf.png"));
            plots.Add("latency-cdf.png");
        }

        if (results.Crypto is { } crypto)
        {
            Plots.CryptoCost(crypto, Path.Combine(directory, "crypto-cost.png"));
            plots.Add("crypto-cost.png");
        }

        if (results.Throughput.Count > 0)
        {
            Plots.Throughput(results.Throughput, Path.Combine(directory, "throughput.png"));
            plots.Add("throughput.png");
        }

        if (results.Flood.Any(f => f.Samples.Count > 0))
        {
            Plots.FloodMemory(results.Flood, Path.Combine(directory, "flood-memory.png"));
            plots.Add("flood-memory.png");
        }

        if (results.Chaos is { Timeline.Count: > 0 } chaos)
        {
            Chaos.ChaosPlot.Save(chaos, Path.Combine(directory, "chaos-timeline.png"));
            plots.Add("chaos-timeline.png");
        }

        File.WriteAllText(Path.Combine(directory, "results.json"), JsonOutput.Render(results));
        File.WriteAllText(Path.Combine(directory, "results.csv"), CsvWriter.Render(results));
        File.WriteAllText(Path.Combine(directory, "summary.md"), SummaryWriter.Render(results, plots));
        return ["results.json", "results.csv", "summary.md", .. plots];
    }
}
