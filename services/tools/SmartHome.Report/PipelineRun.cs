using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using SmartHome.Contracts;

namespace SmartHome.Report;

/// <summary>What one measured burst on one pipeline produced: ids published, decisions seen, CPU used.</summary>
public sealed record RunMeasurement(
    string Pipeline,
    IReadOnlyList<string> MessageIds,
    IReadOnlyList<Decision> Decisions,
    double TargetRatePerSecond,
    double WallSeconds,
    double SensorCpuMs,
    double ActuatorCpuMs,
    double? BrokerCpuMs,
    long ActuatorWorkingSetBytes,
    double? MachineCpuPercent = null);

/// <summary>The HTTP surface of one pipeline: its sensor and actuator.</summary>
public sealed class PipelineClient(string pipeline, HttpClient sensor, HttpClient actuator, Func<int?> brokerPid) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string Pipeline => pipeline;

    public async Task<long> DecisionCountAsync(CancellationToken ct) =>
        (await actuator.GetFromJsonAsync<DecisionSummary>("/decisions/summary", Json, ct).ConfigureAwait(false))!.Total;

    public async Task<DecisionSummary> SummaryAsync(CancellationToken ct) =>
        (await actuator.GetFromJsonAsync<DecisionSummary>("/decisions/summary", Json, ct).ConfigureAwait(false))!;

    /// <summary>Up to <paramref name="limit"/> applied decisions after <paramref name="after"/> (the log filters, so forged rejections are not sent).</summary>
    public async Task<List<Decision>> AppliedAfterAsync(long after, int limit, CancellationToken ct) =>
        await actuator.GetFromJsonAsync<List<Decision>>(
            string.Create(CultureInfo.InvariantCulture, $"/decisions?after={after}&limit={limit}&verdict=applied"), Json, ct).ConfigureAwait(false) ?? [];

    /// <summary>The first decision about <paramref name="messageId"/> still in the actuator's log, if any.</summary>
    public async Task<Decision?> DecisionOfAsync(string messageId, CancellationToken ct) =>
        (await actuator.GetFromJsonAsync<List<Decision>>($"/decisions?messageId={Uri.EscapeDataString(messageId)}&limit=1", Json, ct)
            .ConfigureAwait(false))?.FirstOrDefault();

    /// <summary>Asks the sensor for <paramref name="count"/> readings at <paramref name="rate"/>/s; answers when they are all published.</summary>
    public async Task<PublishResponse> PublishAsync(int count, double rate, CancellationToken ct)
    {
        var url = string.Create(CultureInfo.InvariantCulture, $"/publish?count={count}&ratePerSecond={rate}");
        using var response = await sensor.PostAsync(new Uri(url, UriKind.Relative), null, ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<PublishResponse>(Json, ct).ConfigureAwait(false))!;
    }

    /// <summary>True when the actuator's /health answers 200 (connected to its broker).</summary>
    public async Task<bool> ActuatorHealthyAsync(CancellationToken ct)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            using var response = await actuator.GetAsync(new Uri("/health", UriKind.Relative), timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    public async Task<ProcessStats> SensorProcessAsync(CancellationToken ct) =>
        (await sensor.GetFromJsonAsync<ProcessStats>("/process", Json, ct).ConfigureAwait(false))!;

    public async Task<ProcessStats> ActuatorProcessAsync(CancellationToken ct) =>
        (await actuator.GetFromJsonAsync<ProcessStats>("/process", Json, ct).ConfigureAwait(false))!;

    /// <summary>
    /// Publishes <paramref name="count"/> readings at <paramref name="rate"/>/s with <paramref name="concurrency"/> in flight,
    /// waits until the actuator has decided them (or stops making progress), then fetches those decisions.
    /// </summary>
    public async Task<RunMeasurement> MeasureAsync(int count, double rate, int concurrency, Action<double>? onProgress,
        CancellationToken ct)
    {
        var after = await DecisionCountAsync(ct).ConfigureAwait(false);
        var sensorBefore = await SensorProcessAsync(ct).ConfigureAwait(false);
        var actuatorBefore = await ActuatorProcessAsync(ct).ConfigureAwait(false);
        var pid = brokerPid();
        var brokerBefore = pid is { } p1 ? MachineInfo.ProcCpuMs(p1) : null;
        var machineBefore = MachineInfo.MachineCpuNow();
        var wall = Stopwatch.StartNew();

        using var publishing = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var progressTask = ReportProgressAsync(after, count, onProgress, publishing.Token);
        var url = string.Create(CultureInfo.InvariantCulture, $"/publish?count={count}&ratePerSecond={rate}&concurrency={concurrency}");
        using var response = await sensor.PostAsync(new Uri(url, UriKind.Relative), null, ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var answer = (await response.Content.ReadFromJsonAsync<PublishResponse>(Json, ct).ConfigureAwait(false))!;

        // Wait for the actuator to catch up: all decided, or no progress for 5 s.
        var expected = after + answer.Published;
        var last = -1L;
        var stalledSince = Stopwatch.StartNew();
        while (true)
        {
            var now = await DecisionCountAsync(ct).ConfigureAwait(false);
            if (now >= expected)
            {
                break;
            }

            if (now != last)
            {
                last = now;
                stalledSince.Restart();
            }
            else if (stalledSince.Elapsed > TimeSpan.FromSeconds(5))
            {
                break;
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }

        var wallSeconds = wall.Elapsed.TotalSeconds;
        var sensorAfter = await SensorProcessAsync(ct).ConfigureAwait(false);
        var actuatorAfter = await ActuatorProcessAsync(ct).ConfigureAwait(false);
        var brokerAfter = pid is { } p2 ? MachineInfo.ProcCpuMs(p2) : null;
        var machineBusy = MachineCpu.BusyPercent(machineBefore, MachineInfo.MachineCpuNow());
        await publishing.CancelAsync().ConfigureAwait(false);
        await progressTask.ConfigureAwait(false);

        var decisions = await FetchDecisionsAsync(after, ct).ConfigureAwait(false);
        onProgress?.Invoke(1);
        return new RunMeasurement(pipeline, answer.MessageIds, decisions, rate, wallSeconds,
            sensorAfter.CpuMilliseconds - sensorBefore.CpuMilliseconds,
            actuatorAfter.CpuMilliseconds - actuatorBefore.CpuMilliseconds,
            brokerBefore is { } b0 && brokerAfter is { } b1 ? b1 - b0 : null,
            actuatorAfter.WorkingSetBytes,
            machineBusy);
    }

    private async Task ReportProgressAsync(long after, int count, Action<double>? onProgress, CancellationToken ct)
    {
        if (onProgress is null)
        {
            return;
        }

        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(250, ct).ConfigureAwait(false);
                var now = await DecisionCountAsync(ct).ConfigureAwait(false);
                onProgress(Math.Min(1, (now - after) / (double)count));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException)
        {
            // progress is best effort
        }
    }

    /// <summary>Every decision after sequence number <paramref name="after"/>, paged.</summary>
    public async Task<List<Decision>> FetchDecisionsAsync(long after, CancellationToken ct)
    {
        var all = new List<Decision>();
        while (true)
        {
            var page = await actuator.GetFromJsonAsync<List<Decision>>(
                string.Create(CultureInfo.InvariantCulture, $"/decisions?after={after}&limit=5000"), Json, ct).ConfigureAwait(false);
            if (page is null || page.Count == 0)
            {
                return all;
            }

            // The log keeps only the newest decisions: a gap before the first one means this run's first decisions are gone,
            // and counting their readings as lost would report a loss that never happened.
            if (all.Count == 0 && page[0].Seq > after + 1)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"The {pipeline} actuator's decision log no longer holds the first {page[0].Seq - after - 1} decisions of this run (it keeps the newest Actuator:DecisionLogCapacity, default {Decision.DefaultLogCapacity}): run fewer readings."));
            }

            all.AddRange(page);
            after = page[^1].Seq;
        }
    }

    public void Dispose()
    {
        sensor.Dispose();
        actuator.Dispose();
    }
}

/// <summary>Turns raw measurements into the report's numbers (pure, unit-tested).</summary>
public static class Analysis
{
    public static LatencyResult Latency(RunMeasurement m)
    {
        ArgumentNullException.ThrowIfNull(m);
        var wanted = new HashSet<string>(m.MessageIds, StringComparer.Ordinal);
        var first = new Dictionary<string, Decision>(StringComparer.Ordinal);
        foreach (var d in m.Decisions)
        {
            if (d.MessageId is { } id && wanted.Contains(id))
            {
                first.TryAdd(id, d);
            }
        }

        var applied = first.Values.Where(d => d.Verdict == "applied").ToList();
        var rejected = first.Values.Where(d => d.Verdict != "applied").ToList();
        var stats = LatencyStats.Compute(applied.Where(d => d.LatencyMs is not null).Select(d => d.LatencyMs!.Value));
        var throughput = 0.0;
        if (applied.Count > 1)
        {
            var span = (applied.Max(d => d.ReceivedAt) - applied.Min(d => d.ReceivedAt)).TotalSeconds;
            throughput = span > 0 ? (applied.Count - 1) / span : 0;
        }

        var count = m.MessageIds.Count;
        return new LatencyResult(
            m.Pipeline, count, first.Count, applied.Count, rejected.Count, count - first.Count,
            stats.P50Ms, stats.P95Ms, stats.P99Ms, stats.P999Ms, stats.MaxMs, stats.MeanMs,
            m.TargetRatePerSecond, throughput, m.SensorCpuMs, m.ActuatorCpuMs,
            count == 0 ? 0 : (m.SensorCpuMs + m.ActuatorCpuMs) / count,
            m.ActuatorWorkingSetBytes,
            rejected.GroupBy(d => d.Reason ?? "unknown").ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
            stats.Cdf);
    }

    /// <summary>The share of a step's target rate that must arrive for it to pass.</summary>
    public const double ArrivedShareToPass = 0.9;

    /// <summary>A throughput step passes when loss + rejections &lt; 1 %, p99 &lt; 50 ms and ≥ 90 % of the target rate arrived.</summary>
    public static ThroughputStep Step(RunMeasurement m, int concurrency)
    {
        var l = Latency(m);
        var lossPercent = l.Count == 0 ? 100 : 100.0 * (l.Lost + l.RejectedLegit) / l.Count;
        var reasons = new List<string>();
        if (lossPercent >= 1)
        {
            reasons.Add($"loss {Fmt.Pct(lossPercent)} %");
        }

        if (l.P99Ms >= 50)
        {
            reasons.Add($"p99 {Fmt.Ms(l.P99Ms)} ms");
        }

        if (l.ThroughputPerSecond < ArrivedShareToPass * m.TargetRatePerSecond)
        {
            reasons.Add($"only {Fmt.Rate(l.ThroughputPerSecond)}/s arrived");
        }

        var cpuPct = (double ms) => m.WallSeconds > 0 ? ms / (m.WallSeconds * 1000) * 100 : 0;
        var verdict = reasons.Count == 0 ? "pass" : "fail: " + string.Join(", ", reasons);
        return new ThroughputStep(m.Pipeline, m.TargetRatePerSecond, l.Count, concurrency, l.ThroughputPerSecond, lossPercent,
            l.RejectedLegit, l.P50Ms, l.P99Ms, cpuPct(m.SensorCpuMs), cpuPct(m.ActuatorCpuMs),
            m.BrokerCpuMs is { } broker ? cpuPct(broker) : null, reasons.Count == 0, verdict)
        {
            MachineCpuPercent = m.MachineCpuPercent,
        };
    }
}
