using System.Text.Json;
using Microsoft.Extensions.Options;
using SmartHome.ServiceDefaults;

namespace SmartHome.Console;

/// <summary>The console's key-rotation control: the home's sensor <c>POST /rotate</c>, with the run's control secret.</summary>
public sealed class SensorControls(IHttpClientFactory clients, IOptions<ControlOptions> control)
{
    /// <summary>Null when the sensor rotated its keys, else why not (one sentence).</summary>
    public async Task<string?> RotateAsync(string pipeline, CancellationToken ct)
    {
        var sensor = Homes.ResourceName(pipeline, "sensor");
        try
        {
            using var client = clients.CreateClient(Homes.ClientName(pipeline, "sensor"));
            using var request = new HttpRequestMessage(HttpMethod.Post, "/rotate");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(ControlAccess.Scheme, control.Value.ControlSecret);
            using var response = await client.SendAsync(request, ct).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return null;
            }

            var error = await response.Content.ReadFromJsonAsync<JsonElement>(ct).ConfigureAwait(false);
            return error.TryGetProperty("error", out var reason) ? reason.GetString() : $"{sensor} answered {(int)response.StatusCode}.";
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            return $"{sensor} is not answering (stopped?): {ex.Message}";
        }
    }
}
