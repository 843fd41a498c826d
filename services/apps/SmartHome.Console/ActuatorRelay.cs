using System.Net.ServerSentEvents;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SmartHome.Contracts;

namespace SmartHome.Console;

/// <summary>
/// Follows each home's actuator stream (<c>GET /decisions/stream</c>) and hands its events to the hub: one connection per
/// actuator however many pages are open, opened again whenever the actuator restarts or the connection drops.
/// </summary>
public sealed partial class ActuatorRelay(
    Homes homes,
    IHttpClientFactory clients,
    ConsoleHub hub,
    IOptions<ConsoleOptions> options,
    TimeProvider clock,
    ILogger<ActuatorRelay> logger) : BackgroundService
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(homes.Pipelines.Select(p => FollowAsync(p, stoppingToken)));

    private async Task FollowAsync(string pipeline, CancellationToken ct)
    {
        var actuator = Homes.ResourceName(pipeline, "actuator");
        var rows = new RowBudget(options.Value.DecisionRowsPerSecond, clock);
        var backoff = TimeSpan.FromMilliseconds(250);
        hub.PublishLink(new LinkEvent(pipeline, false, $"connecting to {actuator}…"));
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var client = clients.CreateClient(Homes.ClientName(pipeline, "actuator"));
                using var request = new HttpRequestMessage(HttpMethod.Get, "/decisions/stream");
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
                response.EnsureSuccessStatusCode();
                await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                hub.PublishLink(new LinkEvent(pipeline, true, $"live from {actuator}"));
                LogConnected(logger, actuator);
                backoff = TimeSpan.FromMilliseconds(250);
                long? lastChange = null;
                await foreach (var item in SseParser.Create(body, (_, data) => JsonSerializer.Deserialize<HomeUpdate>(data, Json))
                                   .EnumerateAsync(ct).ConfigureAwait(false))
                {
                    if (item.Data is not { } update)
                    {
                        continue;
                    }

                    var changed = lastChange != update.State.ChangeCount;
                    lastChange = update.State.ChangeCount;
                    if (update.Decision is not null && !changed && !rows.TrySpend())
                    {
                        continue;
                    }

                    hub.PublishHome(ToEvent(pipeline, update, rows.TakeSkipped()));
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            // InvalidOperationException: service discovery found no address (yet); like a refused connection, try again.
            catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException or OperationCanceledException
                                           or InvalidOperationException)
            {
                LogDisconnected(logger, actuator, ex.Message);
            }

            hub.PublishLink(new LinkEvent(pipeline, false, $"{actuator} is not answering (stopped or restarting); trying again…"));
            // No Last-Event-ID on reconnecting: a restarted actuator numbers its decisions from 1 again, and the page needs
            // the state from now, which every stream opens with, not the rows it missed.
            await Task.Delay(backoff, clock, ct).ConfigureAwait(false);
            backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
        }
    }

    private HomeEvent ToEvent(string pipeline, HomeUpdate update, long skipped)
    {
        var decision = update.Decision;
        var layer = decision is { Verdict: "rejected" } ? Layers.FromRejectReason(decision.Reason) : null;
        string? trace = decision?.TraceId is { } id && options.Value.Dashboard is { } dashboard
            ? new Uri(dashboard, $"traces/detail/{Uri.EscapeDataString(id)}").ToString()
            : null;
        return new HomeEvent(pipeline, decision, update.State, layer, trace, skipped);
    }

    [LoggerMessage(LogLevel.Information, "Following {Actuator}'s decisions")]
    private static partial void LogConnected(ILogger logger, string actuator);

    [LoggerMessage(LogLevel.Warning, "Lost {Actuator}'s decision stream: {Reason}")]
    private static partial void LogDisconnected(ILogger logger, string actuator, string reason);
}
