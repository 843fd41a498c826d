using SmartHome.Contracts;

namespace SmartHome.Attacker;

/// <summary>
/// The victim's side, over HTTP: the actuator's decision log (the only source of truth for an outcome) and the
/// sensor (to make legit readings happen while the attacker listens).
/// </summary>
public sealed class Victim(HttpClient actuator, HttpClient? sensor)
{
    public HttpClient Actuator => actuator;

    public bool CanTriggerReadings => sensor is not null;

    /// <summary>Sequence number of the newest decision: attempts made after this are judged from the log after it.</summary>
    public async Task<long> LatestSeqAsync(CancellationToken ct)
    {
        var summary = await actuator.GetFromJsonAsync("/decisions/summary", AttackerJson.Default.DecisionSummary, ct).ConfigureAwait(false);
        return summary?.Total ?? 0;
    }

    /// <summary>Every decision after <paramref name="after"/>, paging through the log.</summary>
    public async Task<List<Decision>> DecisionsAfterAsync(long after, CancellationToken ct)
    {
        var all = new List<Decision>();
        while (true)
        {
            var page = await actuator.GetFromJsonAsync($"/decisions?after={after}&limit=20000", AttackerJson.Default.ListDecision, ct)
                .ConfigureAwait(false) ?? [];
            all.AddRange(page);
            if (page.Count < 20000)
            {
                return all;
            }

            after = page[^1].Seq;
        }
    }

    /// <summary>
    /// Waits (bounded) until the decision tagged <paramref name="sentinelId"/> appears, then returns every decision
    /// after <paramref name="after"/>. The sentinel is published after every attempt was acknowledged by the broker,
    /// so once the actuator logged it, the broker has delivered (or dropped) everything before it.
    /// </summary>
    public async Task<List<Decision>?> DrainAsync(long after, string sentinelId, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var found = await actuator.GetFromJsonAsync($"/decisions?after={after}&attemptId={Uri.EscapeDataString(sentinelId)}&limit=1",
                AttackerJson.Default.ListDecision, ct).ConfigureAwait(false);
            if (found is { Count: > 0 })
            {
                return await DecisionsAfterAsync(after, ct).ConfigureAwait(false);
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>Asks the sensor for <paramref name="count"/> legit readings; returns their message ids (empty without a sensor).</summary>
    public async Task<IReadOnlyList<string>> TriggerReadingsAsync(int count, double ratePerSecond, CancellationToken ct) =>
        (await TriggerReadingsByDeviceAsync(count, ratePerSecond, ct).ConfigureAwait(false)).Select(r => r.MessageId).ToList();

    /// <summary>Like <see cref="TriggerReadingsAsync"/>, with the device that sent each reading.</summary>
    public async Task<IReadOnlyList<(string MessageId, string? DeviceId)>> TriggerReadingsByDeviceAsync(int count, double ratePerSecond,
        CancellationToken ct)
    {
        if (sensor is null)
        {
            return [];
        }

        var rate = double.IsPositiveInfinity(ratePerSecond) ? string.Empty : FormattableString.Invariant($"&ratePerSecond={ratePerSecond}");
        using var response = await sensor.PostAsync($"/publish?count={count}{rate}", null, ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync(AttackerJson.Default.PublishResponse, ct).ConfigureAwait(false);
        return body is null
            ? []
            : body.MessageIds.Select((id, i) => (id, body.DeviceIds is { } d && i < d.Count ? d[i] : null)).ToList();
    }

    /// <summary>Number of acknowledgement messages the sensor has judged so far (its <c>GET /acks/summary</c>).</summary>
    public async Task<long> LatestAckSeqAsync(CancellationToken ct)
    {
        if (sensor is null)
        {
            return 0;
        }

        var summary = await sensor.GetFromJsonAsync<System.Text.Json.JsonElement>("/acks/summary", ct).ConfigureAwait(false);
        return summary.GetProperty("total").GetInt64();
    }

    /// <summary>
    /// The sensor's judgements of acknowledgement messages after <paramref name="after"/>, once the one labelled
    /// <paramref name="sentinelId"/> arrived (null on timeout or without a sensor): the victim's side of an attack on them.
    /// </summary>
    public async Task<List<Decision>?> DrainAcksAsync(long after, string sentinelId, TimeSpan timeout, CancellationToken ct)
    {
        if (sensor is null)
        {
            return null;
        }

        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var found = await sensor.GetFromJsonAsync($"/acks?after={after}&attemptId={Uri.EscapeDataString(sentinelId)}&limit=1",
                AttackerJson.Default.ListDecision, ct).ConfigureAwait(false);
            if (found is { Count: > 0 })
            {
                return await sensor.GetFromJsonAsync($"/acks?after={after}&limit=10000", AttackerJson.Default.ListDecision, ct)
                    .ConfigureAwait(false) ?? [];
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>CPU time the actuator process has used so far (ms), from its <c>GET /process</c>; null when it does not answer.</summary>
    public async Task<double?> ActuatorCpuMillisecondsAsync(CancellationToken ct)
    {
        try
        {
            var stats = await actuator.GetFromJsonAsync(SmartHome.ServiceDefaults.Extensions.ProcessEndpointPath, AttackerJson.Default.ProcessStats, ct)
                .ConfigureAwait(false);
            return stats?.CpuMilliseconds;
        }
        catch (Exception ex) when (ex is HttpRequestException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    /// <summary>True once the actuator's health endpoint answers 200 (it is connected to its broker).</summary>
    public async Task<bool> ActuatorHealthyAsync(CancellationToken ct)
    {
        try
        {
            using var response = await actuator.GetAsync("/health", ct).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
