using System.Text.Json;
using Microsoft.Extensions.Options;
using SmartHome.ServiceDefaults;

namespace SmartHome.Console;

/// <summary>
/// The console's stop and start controls: the AppHost's pipeline control surface (<c>POST /pipeline/{pipeline}-{role}/{action}</c>,
/// with the run's control secret), which runs Aspire's own Stop or Start command on the resource.
/// </summary>
public sealed class PipelineControls(IHttpClientFactory clients, IOptions<ConsoleOptions> options, IOptions<ControlOptions> control)
{
    public const string ClientName = "apphost";

    public static readonly IReadOnlyList<string> Roles = ["broker", "sensor", "actuator"];

    public static readonly IReadOnlyList<string> Actions = ["stop", "start"];

    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    public bool Available => options.Value.PipelineControl is not null;

    /// <summary>Null when the AppHost ran the command, else why not (one sentence).</summary>
    public async Task<string?> RunAsync(string pipeline, string role, string action, CancellationToken ct)
    {
        if (!Available)
        {
            return "Stopping and starting needs the AppHost (run the lab with dotnet run --project SmartHome.AppHost).";
        }

        var resource = Homes.ResourceName(pipeline, role);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(Patience);
            using var client = clients.CreateClient(ClientName);
            using var request = new HttpRequestMessage(HttpMethod.Post, $"pipeline/{Uri.EscapeDataString(resource)}/{action}");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(ControlAccess.Scheme, control.Value.ControlSecret);
            using var response = await client.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return null;
            }

            var error = await response.Content.ReadFromJsonAsync<JsonElement>(timeout.Token).ConfigureAwait(false);
            return error.TryGetProperty("error", out var reason) ? reason.GetString() : $"The AppHost answered {(int)response.StatusCode}.";
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return $"The AppHost did not run it: {ex.Message}";
        }
    }
}
