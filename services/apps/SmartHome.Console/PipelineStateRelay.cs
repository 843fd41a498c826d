using System.Net.ServerSentEvents;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SmartHome.ServiceDefaults;

namespace SmartHome.Console;

/// <summary>
/// Follows the AppHost's <c>GET /pipeline/stream</c> (each home's broker, sensor and actuator, as Aspire sees them, whenever
/// one changes) and hands the homes' resources to the hub, so every page shows what is running and what was stopped.
/// </summary>
public sealed partial class PipelineStateRelay(
    Homes homes,
    IHttpClientFactory clients,
    ConsoleHub hub,
    IOptions<ConsoleOptions> options,
    IOptions<ControlOptions> control,
    TimeProvider clock,
    ILogger<PipelineStateRelay> logger) : BackgroundService
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan Backoff = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.PipelineControl is null)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var client = clients.CreateClient(PipelineControls.ClientName);
                using var request = new HttpRequestMessage(HttpMethod.Get, "pipeline/stream");
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(ControlAccess.Scheme, control.Value.ControlSecret);
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stoppingToken).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                await using var body = await response.Content.ReadAsStreamAsync(stoppingToken).ConfigureAwait(false);
                await foreach (var item in SseParser.Create(body, (_, data) => JsonSerializer.Deserialize<ResourceState>(data, Json))
                                   .EnumerateAsync(stoppingToken).ConfigureAwait(false))
                {
                    if (item.Data is { } state && state.Name.Split('-', 2) is [var pipeline, var role] && homes.Contains(pipeline)
                        && PipelineControls.Roles.Contains(role))
                    {
                        hub.PublishResource(new ResourceEvent(pipeline, role, state.State, state.Health));
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException or OperationCanceledException)
            {
                LogLost(logger, ex.Message);
            }

            await Task.Delay(Backoff, clock, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>The AppHost's <c>PipelineResourceState</c>.</summary>
    private sealed record ResourceState(string Name, string State, string? Health);

    [LoggerMessage(LogLevel.Warning, "Lost the AppHost's pipeline states: {Reason}")]
    private static partial void LogLost(ILogger logger, string reason);
}
