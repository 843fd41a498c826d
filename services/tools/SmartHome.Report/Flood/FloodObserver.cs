using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace SmartHome.Report.Flood;

/// <summary>What runs beside a flood: paging the actuator's applied decisions and sampling its process once a second.</summary>
internal static class FloodObserver
{
    /// <summary>Pages the applied decisions every 0.5 s, so the ring (50,000 decisions) never overwrites one unread.</summary>
    internal static async Task PageAsync(PipelineClient client, AppliedDecisionTracker tracker, StrongBox<bool> overrun, CancellationToken ct)
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

    internal static async Task PageOnceAsync(PipelineClient client, AppliedDecisionTracker tracker, StrongBox<bool> overrun, CancellationToken ct)
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
    internal static async Task SampleAsync(PipelineClient client, List<FloodSample> samples, Stopwatch clock, CancellationToken ct)
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

    internal static List<FloodSample> Snapshot(List<FloodSample> samples)
    {
        lock (samples)
        {
            return [.. samples];
        }
    }

    internal static string LastSample(List<FloodSample> samples)
    {
        lock (samples)
        {
            return samples.Count == 0 ? "no sample yet" : $"actuator working set {Fmt.Bytes(samples[^1].WorkingSetBytes)}";
        }
    }
}
