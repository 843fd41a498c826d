using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SmartHome.AppHost;

/// <summary>Dashboard commands that call a resource's own HTTP endpoint and show its answer.</summary>
internal static partial class HttpCommands
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromMinutes(10) };

    public static Task<ExecuteCommandResult> GetAsync(ExecuteCommandContext context, string path) =>
        SendAsync(context, HttpMethod.Get, path);

    public static Task<ExecuteCommandResult> PostAsync(ExecuteCommandContext context, string path) =>
        SendAsync(context, HttpMethod.Post, path);

    private static async Task<ExecuteCommandResult> SendAsync(ExecuteCommandContext context, HttpMethod method, string path)
    {
        var model = context.Services.GetRequiredService<DistributedApplicationModel>();
        var resource = model.Resources.OfType<IResourceWithEndpoints>().FirstOrDefault(r => Names(r, context.ResourceName));
        if (resource is null)
        {
            return CommandResults.Failure($"Resource {context.ResourceName} has no HTTP endpoint.");
        }

        var endpoint = resource.GetEndpoint("http");
        if (!endpoint.IsAllocated)
        {
            return CommandResults.Failure($"{context.ResourceName} is not running.");
        }

        try
        {
            using var request = new HttpRequestMessage(method, new Uri(new Uri(endpoint.Url), path));
            // The services' state-changing endpoints refuse a request without this run's control secret.
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
                await ControlSecret.GetAsync(context.Services, context.CancellationToken).ConfigureAwait(false));
            using var response = await Client.SendAsync(request, context.CancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(context.CancellationToken).ConfigureAwait(false);
            LogResponse(context.Logger, context.ResourceName, path, body);
            return response.IsSuccessStatusCode
                ? new ExecuteCommandResult { Success = true, Message = Shorten(body) }
                : CommandResults.Failure($"{(int)response.StatusCode}: {Shorten(body)}");
        }
        catch (HttpRequestException ex)
        {
            return CommandResults.Failure($"{context.ResourceName} did not answer: {ex.Message}");
        }
    }

    /// <summary>
    /// The command context names the running instance ("secure-sensor-ncgntncb": the resource's name, a dash, one suffix
    /// without dashes), not the model's resource; Aspire's own name resolution is internal.
    /// </summary>
    private static bool Names(IResource resource, string instance) =>
        instance == resource.Name
        || (instance.Length > resource.Name.Length + 1 && instance.StartsWith(resource.Name + "-", StringComparison.Ordinal)
            && !instance.AsSpan(resource.Name.Length + 1).Contains('-'));

    private static string Shorten(string text) => text.Length <= 2000 ? text : text[..2000] + "…";

    [LoggerMessage(Level = LogLevel.Information, Message = "{Resource} {Path}: {Body}")]
    private static partial void LogResponse(ILogger logger, string resource, string path, string body);
}
