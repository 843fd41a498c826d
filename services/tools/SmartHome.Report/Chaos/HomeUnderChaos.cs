using System.Net.Http.Json;
using System.Text.Json;
using SmartHome.Contracts;

namespace SmartHome.Report.Chaos;

/// <summary>How far an actuator process has got: its pid and the readings it applied since it started.</summary>
public sealed record ActuatorProgress(int Pid, long Applied);

/// <summary>One pipeline in the chaos run: its HTTP clients, the ledger of what its sensor took, and the tail that fills it.</summary>
internal sealed class HomeUnderChaos : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>A process the fault stalled does not answer: give up on one probe soon.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1.5);

    private readonly ManagedApp _app;
    private readonly HttpClient _sensor;

    public HomeUnderChaos(string pipeline, ManagedApp app)
    {
        Pipeline = pipeline;
        _app = app;
        _sensor = app.Http($"{pipeline}-sensor");
        Actuator = app.Http($"{pipeline}-actuator");
        // The pipeline client owns (and disposes) the same two HTTP clients the probes use.
        Client = new PipelineClient(pipeline, _sensor, Actuator, () => app.BrokerPid(pipeline));
        Tail = new OutboxTail(Path.Combine(app.StateDirectory, pipeline, "sensor-outbox.log"), Ledger);
    }

    public string Pipeline { get; }

    public PipelineClient Client { get; }

    public HttpClient Actuator { get; }

    public DeliveryLedger Ledger { get; } = new();

    public OutboxTail Tail { get; }

    /// <summary>The process behind a role now: the broker's from Aspire, a service's from its own <c>/process</c>.</summary>
    public async Task<int?> PidAsync(string role, CancellationToken ct)
    {
        if (role == "broker")
        {
            return _app.ResourcePid($"{Pipeline}-broker");
        }

        var answer = await ProbeAsync<JsonElement?>(role == "sensor" ? _sensor : Actuator, "/process", ct).ConfigureAwait(false);
        return answer is { } a && a.TryGetProperty("pid", out var pid) ? pid.GetInt32() : null;
    }

    /// <summary>The actuator's pid and applied count, or null while it does not answer.</summary>
    public async Task<ActuatorProgress?> ProgressAsync(CancellationToken ct)
    {
        var pid = await PidAsync("actuator", ct).ConfigureAwait(false);
        var summary = await ProbeAsync<DecisionSummary>(Actuator, "/decisions/summary", ct).ConfigureAwait(false);
        return pid is { } p && summary is not null ? new ActuatorProgress(p, summary.Applied) : null;
    }

    /// <summary>Readings the sensor still holds unacknowledged, or null while it does not answer.</summary>
    public async Task<int?> OutboxPendingAsync(CancellationToken ct)
    {
        var outbox = await ProbeAsync<JsonElement?>(_sensor, "/outbox?last=0", ct).ConfigureAwait(false);
        return outbox is { } o && o.TryGetProperty("pending", out var pending) ? pending.GetInt32() : null;
    }

    private static async Task<T?> ProbeAsync<T>(HttpClient client, string path, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            return await client.GetFromJsonAsync<T>(new Uri(path, UriKind.Relative), Json, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            return default;
        }
    }

    public void Dispose() => Client.Dispose();
}
