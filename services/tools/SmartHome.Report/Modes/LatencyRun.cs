using System.Globalization;

namespace SmartHome.Report.Modes;

/// <summary>The latency run both full and latency modes make: warm-up, both pipelines side by side, and the latency goals.</summary>
internal static class LatencyRun
{
    /// <summary>
    /// The sequence full and latency modes share: the latency run, then what the mode adds in between (the campaign, or
    /// the note that there is none), then the crypto breakdown and the latency goals, which compare the two.
    /// </summary>
    public static async Task RunWithCryptoAsync(ReportContext context, Func<ReportResults, Task> between, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var results = context.Results;
        using (var clients = PipelineClients.ForBoth(context.App))
        {
            await RunAsync(clients, context.App.InsecureBroker, context.Options, results, context.Progress, ct).ConfigureAwait(false);
        }

        await between(results).ConfigureAwait(false);
        results.Crypto = CryptoRun.Run(context.KeysDirectory, context.Options.CryptoIterations, results, context.Progress);
        AddGoals(results);
    }

    /// <param name="floorBroker">The insecure pipeline's broker, where the raw broker hop is measured side by side with the pipelines; null skips it.</param>
    public static async Task RunAsync(PipelineClients clients, (string Host, int Port)? floorBroker, ReportOptions options, ReportResults results,
        ConsoleProgress progress, CancellationToken ct)
    {
        await WarmUpAsync(clients.Values, options.RatePerSecond, options.Concurrency, results, progress, ct).ConfigureAwait(false);
        progress.Line($"Latency run: {options.Readings} readings per pipeline at {options.RatePerSecond}/s, both pipelines side by side...");
        var (measured, floor) = await MeasureSideBySideAsync(clients, floorBroker, options.Readings, options.RatePerSecond, options.Concurrency, results,
            progress, ct).ConfigureAwait(false);
        results.BrokerHop = floor;
        if (floor is { } hop)
        {
            progress.Line($"raw broker hop: {hop.Received} of {hop.Sent} arrived; p50 {Fmt.Ms(hop.P50Ms)} ms, p99 {Fmt.Ms(hop.P99Ms)} ms.");
        }

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

    /// <summary>
    /// Both pipelines and the floor at the same time, rate and count (no warm-up): the measurements of each pipeline and the
    /// floor's result (null when not measured; a note says why). Suites mode calls this once per rate.
    /// </summary>
    public static async Task<(RunMeasurement[] Measured, BrokerHopResult? Hop)> MeasureSideBySideAsync(PipelineClients clients,
        (string Host, int Port)? floorBroker, int readings, double rate, int concurrency, ReportResults results, ConsoleProgress progress,
        CancellationToken ct)
    {
        var fractions = new double[ReportRunner.Pipelines.Length];
        var runs = ReportRunner.Pipelines.Select((p, i) => clients[p].MeasureAsync(readings, rate, concurrency, f =>
        {
            fractions[i] = f;
            progress.Report($"latency at {Fmt.Rate(rate)}/s", fractions.Average(),
                string.Join(", ", ReportRunner.Pipelines.Select((q, j) => $"{q} {fractions[j] * 100:0}%")));
        }, ct)).ToList();
        var floor = MeasureFloorAsync(floorBroker, readings, rate, concurrency, results, ct);
        var measured = await Task.WhenAll(runs).ConfigureAwait(false);
        return (measured, await floor.ConfigureAwait(false));
    }

    /// <summary>
    /// The floor runs at the same time as the pipelines, at their rate and count, so it meets the same load on the machine
    /// and the same broker; a failure to reach the broker is a note, not a failed report.
    /// </summary>
    private static async Task<BrokerHopResult?> MeasureFloorAsync((string Host, int Port)? broker, int readings, double rate, int concurrency,
        ReportResults results, CancellationToken ct)
    {
        if (broker is not { } b)
        {
            results.Note("Raw broker hop not measured: the insecure broker's address is unknown (attached: give --insecure-broker mqtt://host:port).");
            return null;
        }

        try
        {
            // Its own warm-up first (connection, JIT), as the pipelines had theirs.
            await BrokerHop.MeasureAsync(b.Host, b.Port, Math.Min(300, readings), Math.Max(rate, 100), concurrency, ct).ConfigureAwait(false);
            return await BrokerHop.MeasureAsync(b.Host, b.Port, readings, rate, concurrency, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (BrokerHop.IsUnreachable(ex))
        {
            results.Note($"Raw broker hop not measured: {b.Host}:{b.Port} refused or failed ({ex.Message}).");
            return null;
        }
    }

    /// <summary>A short unmeasured burst per pipeline first, so JIT, connections and session keys are warm.</summary>
    public static async Task WarmUpAsync(IEnumerable<PipelineClient> clients, double rate, int concurrency, ReportResults results,
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

    public static void AddGoals(ReportResults r)
    {
        var secure = r.Latency.FirstOrDefault(l => l.Pipeline == "secure");
        var insecure = r.Latency.FirstOrDefault(l => l.Pipeline == "insecure");
        var ok = secure is { Applied: > 0 };
        r.Goals.Add(new GoalCheck("Issue 4: secure p50 < 1.5 ms",
            ok ? $"secure p50 = {Fmt.Ms(secure!.P50Ms)} ms" : "no secure readings applied", ok ? secure!.P50Ms < 1.5 : null));
        if (r.BrokerHop is { Received: > 0 } hop && insecure is { Applied: > 0 })
        {
            var ratio = insecure.P50Ms / hop.P50Ms;
            r.Goals.Add(new GoalCheck("Insecure p50 ≤ 2 × the raw broker hop's p50 (same run, same broker)",
                $"insecure p50 {Fmt.Ms(insecure.P50Ms)} ms vs broker hop p50 {Fmt.Ms(hop.P50Ms)} ms = " +
                ratio.ToString("0.00", CultureInfo.InvariantCulture) + " ×", ratio <= 2));
        }
        else
        {
            r.Goals.Add(new GoalCheck("Insecure p50 ≤ 2 × the raw broker hop's p50 (same run, same broker)", "not measured", null));
        }

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
}
