using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmartHome.Contracts;

namespace SmartHome.AppHost;

/// <summary>
/// The attacker of one pipeline: an explicit-start resource (the pipelines run clean until the user attacks) with a
/// dashboard command that runs the whole campaign, including the replay after a real restart of the actuator.
/// </summary>
public static partial class AttackerResources
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public const string RunCampaignCommand = "run-campaign";
    public const string ReplayAfterRestart = "replay-after-restart";

    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromMinutes(10) };

    /// <summary>Adds <c>{pipeline}-attacker</c> next to the pipeline's broker, actuator and sensor.</summary>
    public static IResourceBuilder<ProjectResource> AddAttacker(this IDistributedApplicationBuilder builder, AppHostSettings settings,
        string pipeline, IResourceBuilder<IMosquittoBroker> broker, IResourceBuilder<ProjectResource> actuator,
        IResourceBuilder<ProjectResource> sensor)
    {
        var attacker = builder.AddProject<Projects.SmartHome_Attacker>($"{pipeline}-attacker")
            .WithArgs("--Pipeline", pipeline)
            .WithReference(broker, "broker")
            .WaitFor(broker)
            // The victim's decision log (and the sensor, to make legit readings happen) over HTTP.
            .WithReference(actuator)
            .WithReference(sensor)
            .WithEnvironment("SmartHome__LogDirectory", settings.LogDirectory)
            // Its own POST endpoints need it, and so does the sensor's /publish it calls.
            .WithControlSecret()
            .WithAppHostWatchdog()
            .WithTelemetryExport(settings)
            .WithHttpEndpoint()
            .WithHttpHealthCheck("/health")
            .WithExplicitStart()
            .WithCommand(RunCampaignCommand, "Run attack campaign", context => RunCommandAsync(context, pipeline),
                new CommandOptions
                {
                    Description = "100 attempts of every attack at every capability level, judged by the actuator's decision log; " +
                                  "includes a real restart of the actuator for the replay-after-restart attack.",
                    IconName = "ShieldError",
                    IsHighlighted = true,
                    UpdateState = ctx => ctx.ResourceSnapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                        ? ResourceCommandState.Enabled
                        : ResourceCommandState.Disabled,
                });
        if (pipeline == "secure")
        {
            // Only the credentials of its capability levels; the attacker picks the account per level.
            attacker.WithAttackerSecrets(new SmartHome.Security.KeyPaths(settings.KeysDirectory));
        }

        return attacker;
    }

    private static async Task<ExecuteCommandResult> RunCommandAsync(ExecuteCommandContext context, string pipeline)
    {
        try
        {
            // Attacker:CommandAttempts lets a quick demo (or the browser test) run a shorter campaign than the default 100.
            var configuration = context.Services.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>();
            var attempts = int.TryParse(configuration["Attacker:CommandAttempts"], out var configured) && configured > 0 ? configured : 100;
            // Attacker:AnnouncementFloodSeconds shortens the announcement flood the same way (default 60 s per level).
            double? floodSeconds = double.TryParse(configuration["Attacker:AnnouncementFloodSeconds"], System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0 ? seconds : null;
            var report = await RunCampaignAsync(context.Services, pipeline, attempts, null, context.CancellationToken, floodSeconds).ConfigureAwait(false);
            LogCampaign(context.Logger, pipeline, JsonSerializer.Serialize(report, Json));
            return new ExecuteCommandResult { Success = true, Message = Summary(report) };
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or JsonException or TimeoutException)
        {
            return CommandResults.Failure($"campaign failed: {ex.Message}");
        }
    }

    /// <summary>
    /// Runs a campaign through the attacker's HTTP API; replay-after-restart is orchestrated here because it needs the
    /// AppHost: capture, stop the sensor (so no legit reading is in flight under a session key the restarted actuator
    /// no longer has), restart the actuator with Aspire's own restart command, wait until healthy, start the sensor,
    /// replay. Returns the merged report (JSON).
    /// </summary>
    public static async Task<CampaignReport> RunCampaignAsync(IServiceProvider services, string pipeline, int attempts, string? attacks,
        CancellationToken ct, double? announcementFloodSeconds = null)
    {
        var attacker = Url(services, $"{pipeline}-attacker");
        var secret = await ControlSecret.GetAsync(services, ct).ConfigureAwait(false);
        var requested = string.IsNullOrWhiteSpace(attacks)
            ? null
            : attacks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        var withRestart = requested is null || requested.Contains(ReplayAfterRestart);
        var others = requested?.Where(a => a != ReplayAfterRestart).ToList();

        var report = new CampaignReport(pipeline, DateTimeOffset.UtcNow, 0, attempts, []);
        if (others is null || others.Count > 0)
        {
            var query = $"/campaign?attempts={attempts}" + (others is null ? string.Empty : "&attacks=" + string.Join(',', others))
                        + (announcementFloodSeconds is { } s ? FormattableString.Invariant($"&announcementFloodSeconds={s}") : string.Empty);
            report = await PostAsync<CampaignReport>(attacker, query, secret, ct).ConfigureAwait(false);
        }

        if (withRestart)
        {
            var restart = await ReplayAfterRestartAsync(services, pipeline, attacker, secret, attempts, ct).ConfigureAwait(false);
            report = report with { Results = [.. report.Results, .. restart.Results] };
        }

        return report;
    }

    private static async Task<CampaignReport> ReplayAfterRestartAsync(IServiceProvider services, string pipeline, Uri attacker, string secret,
        int attempts, CancellationToken ct)
    {
        var commands = services.GetRequiredService<ResourceCommandService>();
        var notifications = services.GetRequiredService<ResourceNotificationService>();
        var actuator = $"{pipeline}-actuator";
        var sensor = $"{pipeline}-sensor";

        await PostAsync<JsonElement>(attacker, $"/campaign/restart/prepare?attempts={attempts}", secret, ct).ConfigureAwait(false);
        Require(await commands.ExecuteCommandAsync(sensor, KnownResourceCommands.StopCommand, ct).ConfigureAwait(false), "stop", sensor);
        await notifications.WaitForResourceAsync(sensor, e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), ct)
            .ConfigureAwait(false);
        await WaitDrainedAsync(Url(services, actuator), ct).ConfigureAwait(false);
        Require(await commands.ExecuteCommandAsync(actuator, KnownResourceCommands.RestartCommand, ct).ConfigureAwait(false), "restart", actuator);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(TimeSpan.FromMinutes(2));
            // The restart command returns once the new process runs; wait for the new one to be connected.
            await Task.Delay(TimeSpan.FromSeconds(1), timeout.Token).ConfigureAwait(false);
            await notifications.WaitForResourceHealthyAsync(actuator, timeout.Token).ConfigureAwait(false);
        }

        Require(await commands.ExecuteCommandAsync(sensor, KnownResourceCommands.StartCommand, ct).ConfigureAwait(false), "start", sensor);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            timeout.CancelAfter(TimeSpan.FromMinutes(2));
            await notifications.WaitForResourceHealthyAsync(sensor, timeout.Token).ConfigureAwait(false);
        }

        return await PostAsync<CampaignReport>(attacker, "/campaign/restart/replay", secret, ct).ConfigureAwait(false);
    }

    /// <summary>Waits until the actuator's decision count stops moving (everything the broker queued was processed).</summary>
    private static async Task WaitDrainedAsync(Uri actuator, CancellationToken ct)
    {
        long last = -1;
        for (var i = 0; i < 40; i++)
        {
            var summary = await Client.GetFromJsonAsync<DecisionSummary>(new Uri(actuator, "/decisions/summary"), Json, ct).ConfigureAwait(false);
            var total = summary?.Total ?? 0;
            if (total == last)
            {
                return;
            }

            last = total;
            await Task.Delay(500, ct).ConfigureAwait(false);
        }
    }

    private static void Require(ExecuteCommandResult result, string what, string resource)
    {
        if (!result.Success)
        {
            throw new InvalidOperationException($"could not {what} {resource}: {result.Message}");
        }
    }

    private static async Task<T> PostAsync<T>(Uri baseUri, string path, string secret, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUri, path));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        using var response = await Client.SendAsync(request, ct).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {body}");
        }

        return JsonSerializer.Deserialize<T>(body, Json) ?? throw new JsonException($"{path} answered no JSON");
    }

    private static Uri Url(IServiceProvider services, string resourceName)
    {
        var model = services.GetRequiredService<DistributedApplicationModel>();
        var resource = model.Resources.OfType<IResourceWithEndpoints>().FirstOrDefault(r => r.Name == resourceName)
                       ?? throw new InvalidOperationException($"no resource {resourceName}");
        var endpoint = resource.GetEndpoint("http");
        return endpoint.IsAllocated ? new Uri(endpoint.Url) : throw new InvalidOperationException($"{resourceName} is not running: start it first.");
    }

    /// <summary>One line per attack × level, for the dashboard's command notification.</summary>
    private static string Summary(CampaignReport report)
    {
        var lines = report.Results.Select(r => $"{r.Attack}/{r.Level}: {r.Succeeded}/{r.Attempts}");
        var text = $"{report.Pipeline}: {report.TotalSucceeded} successful attempts. " + string.Join("; ", lines);
        return text.Length <= 2000 ? text : text[..2000] + "…";
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Pipeline} campaign: {Report}")]
    private static partial void LogCampaign(ILogger logger, string pipeline, string report);
}
