using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SmartHome.Contracts;
using SmartHome.ServiceDefaults;

namespace SmartHome.Console;

/// <summary>
/// Runs what an attack control asks for, one attack × level at a time through each home's attacker
/// (<c>POST /campaign?attacks=…&amp;levels=…</c>, with the run's control secret), so the page's grid fills in cell by cell as
/// each is judged; both homes at once (each has its own attacker). One run at a time.
/// </summary>
public sealed partial class AttackRunner(
    IHttpClientFactory clients,
    ConsoleHub hub,
    IOptions<ConsoleOptions> options,
    IOptions<ControlOptions> control,
    IHostApplicationLifetime lifetime,
    ILogger<AttackRunner> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly object _gate = new();
    private Task? _current;
    private long _runs;

    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _current is { IsCompleted: false };
            }
        }
    }

    /// <summary>Starts <paramref name="plan"/> in the background; false (and nothing started) while another run is going.</summary>
    public bool TryStart(AttackPlan plan, out long runId)
    {
        ArgumentNullException.ThrowIfNull(plan);
        lock (_gate)
        {
            if (_current is { IsCompleted: false })
            {
                runId = _runs;
                return false;
            }

            runId = ++_runs;
            var id = runId;
            // Not tied to the pressing request: the run goes on after the answer, until done or the console stops.
            _current = Task.Run(() => RunAsync(id, plan, lifetime.ApplicationStopping));
            return true;
        }
    }

    /// <summary>The attacks a home's attacker knows (its <c>GET /</c>), without the one the console cannot run; null when it is not running.</summary>
    public async Task<IReadOnlyList<string>?> CatalogueAsync(string pipeline, CancellationToken ct)
    {
        try
        {
            using var client = Attacker(pipeline, TimeSpan.FromSeconds(3));
            var about = await client.GetFromJsonAsync<AttackerAbout>("/", Json, ct).ConfigureAwait(false);
            return about?.Attacks.Where(a => a != AttackPlan.ReplayAfterRestart).ToList();
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task RunAsync(long runId, AttackPlan plan, CancellationToken ct)
    {
        var description = plan.Describe();
        LogRunStarted(logger, runId, description);
        string? message = null;
        try
        {
            var work = new List<(string Pipeline, IReadOnlyList<string> Attacks, string? Problem)>();
            foreach (var pipeline in plan.Pipelines)
            {
                var attacks = plan.IsCampaign ? await CatalogueAsync(pipeline, ct).ConfigureAwait(false) : plan.Attacks;
                work.Add((pipeline, attacks ?? [], attacks is null ? NotRunning(pipeline) : null));
            }

            hub.PublishRun(new RunEvent(runId, "started", description, plan.Pipelines,
                [.. work.SelectMany(w => w.Attacks).Distinct(StringComparer.Ordinal)], plan.Levels, null));
            foreach (var (pipeline, attacks, _) in work)
            {
                foreach (var attack in attacks)
                {
                    foreach (var level in plan.Levels)
                    {
                        hub.PublishCell(new CellEvent(runId, pipeline, attack, level, "queued", null, null));
                    }
                }
            }

            await Task.WhenAll(work.Select(w => RunHomeAsync(runId, w.Pipeline, w.Attacks, plan, ct))).ConfigureAwait(false);
            var problems = work.Where(w => w.Problem is not null).Select(w => w.Problem).ToList();
            message = problems.Count == 0 ? null : string.Join(" ", problems);
        }
        catch (OperationCanceledException)
        {
            message = "the console is stopping";
        }
        finally
        {
            // Whatever happened, the page learns the run is over, so its buttons work again.
            hub.PublishRun(new RunEvent(runId, "finished", description, plan.Pipelines, [], plan.Levels, message));
            LogRunFinished(logger, runId);
        }
    }

    private async Task RunHomeAsync(long runId, string pipeline, IReadOnlyList<string> attacks, AttackPlan plan, CancellationToken ct)
    {
        using var client = Attacker(pipeline, TimeSpan.FromMinutes(10));
        foreach (var attack in attacks)
        {
            foreach (var level in plan.Levels)
            {
                hub.PublishCell(new CellEvent(runId, pipeline, attack, level, "running", null, null));
                var (result, problem) = await RunCellAsync(client, pipeline, attack, level, plan.Attempts, ct).ConfigureAwait(false);
                hub.PublishCell(new CellEvent(runId, pipeline, attack, level, result is null ? "failed" : "done", result, problem));
            }
        }
    }

    private async Task<(AttackResult? Result, string? Problem)> RunCellAsync(HttpClient client, string pipeline, string attack, string level,
        int attempts, CancellationToken ct)
    {
        var query = FormattableString.Invariant(
            $"/campaign?attempts={attempts}&attacks={Uri.EscapeDataString(attack)}&levels={Uri.EscapeDataString(level)}&announcementFloodSeconds={options.Value.AnnouncementFloodSeconds}");
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, query);
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(ControlAccess.Scheme, control.Value.ControlSecret);
            using var response = await client.SendAsync(request, ct).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return (null, response.StatusCode == HttpStatusCode.Conflict
                    ? $"{Homes.ResourceName(pipeline, "attacker")} is busy with another campaign (the dashboard's?)."
                    : $"{Homes.ResourceName(pipeline, "attacker")} answered {(int)response.StatusCode}: {body}");
            }

            var report = JsonSerializer.Deserialize<CampaignReport>(body, Json);
            return report?.Results.FirstOrDefault() is { } result ? (result, null) : (null, "the attacker answered no result");
        }
        catch (HttpRequestException)
        {
            return (null, NotRunning(pipeline));
        }
        catch (Exception ex) when (ex is JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return (null, ex.Message);
        }
    }

    private HttpClient Attacker(string pipeline, TimeSpan timeout)
    {
        var client = clients.CreateClient(Homes.ClientName(pipeline, "attacker"));
        client.Timeout = timeout;
        return client;
    }

    private static string NotRunning(string pipeline) =>
        $"{Homes.ResourceName(pipeline, "attacker")} is not running: start it in the dashboard (its ▶ Start), then try again.";

    private sealed record AttackerAbout(IReadOnlyList<string> Attacks);

    [LoggerMessage(LogLevel.Information, "Run {RunId}: {Description}")]
    private static partial void LogRunStarted(ILogger logger, long runId, string description);

    [LoggerMessage(LogLevel.Information, "Run {RunId} finished")]
    private static partial void LogRunFinished(ILogger logger, long runId);
}
