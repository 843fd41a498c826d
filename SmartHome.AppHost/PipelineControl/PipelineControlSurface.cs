using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace SmartHome.AppHost.PipelineControl;

/// <summary>One resource's state as the console shows it (Aspire's state text and health).</summary>
public sealed record PipelineResourceState(string Name, string State, string? Health);

/// <summary>
/// The few Aspire resource commands the home console may run, served inside the AppHost on a loopback-only port of its own:
/// <c>GET /pipeline/stream</c> (server-sent events: each allowed resource's state whenever it changes) and
/// <c>POST /pipeline/{name}/{stop|start}</c> (runs the command through <see cref="ResourceCommandService"/>, as the
/// dashboard's Stop and Start buttons do). Every request needs the run's control secret; only the names of
/// <see cref="PipelineControlRules.AllowList"/> are accepted.
/// </summary>
public sealed class PipelineControlSurface(IServiceProvider services, IReadOnlySet<string> allowed, string secret) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;

    /// <summary>Where it listens (<c>http://127.0.0.1:{port}/</c>), once started.</summary>
    public Uri? Url { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Empty: none of the AppHost's own settings (ASPNETCORE_URLS is the dashboard's) reaches this small server.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        var app = builder.Build();
        app.Use((context, next) =>
            PipelineControlRules.Check(context.Connection.RemoteIpAddress, context.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null,
                secret) is { } refusal
                ? Results.Json(new { error = refusal.Reason }, statusCode: refusal.Status).ExecuteAsync(context)
                : next(context));
        app.MapGet("/pipeline/stream", (CancellationToken ct) => TypedResults.ServerSentEvents(WatchAsync(ct)));
        app.MapPost("/pipeline/{name}/{action}", RunAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
                      ?? throw new InvalidOperationException("The pipeline control surface started without an address.");
        Url = new Uri(address.TrimEnd('/') + "/");
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_app is { } app)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await app.StopAsync(timeout.Token).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private async Task<IResult> RunAsync(string name, string action, CancellationToken ct)
    {
        if (!allowed.Contains(name))
        {
            return Results.NotFound(new { error = $"{name} is not a resource the console may stop or start ({string.Join(", ", allowed.Order())})." });
        }

        if (PipelineControlRules.Command(action) is not { } command)
        {
            return Results.BadRequest(new { error = "The action is stop or start." });
        }

        var result = await services.GetRequiredService<ResourceCommandService>().ExecuteCommandAsync(name, command, ct).ConfigureAwait(false);
        return result.Success
            ? Results.Ok(new { message = $"{name}: {action} done." })
            : Results.Json(new { error = $"{name} could not {action}: {result.Message ?? "the command was refused"}." }, statusCode: StatusCodes.Status409Conflict);
    }

    /// <summary>Each allowed resource's state now, then every change of its state or health until the caller or the AppHost goes.</summary>
    private async IAsyncEnumerable<SseItem<PipelineResourceState>> WatchAsync([EnumeratorCancellation] CancellationToken ct)
    {
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(ct, _stopping.Token);
        var notifications = services.GetRequiredService<ResourceNotificationService>();
        var last = new Dictionary<string, PipelineResourceState>(StringComparer.Ordinal);
        var events = notifications.WatchAsync(ending.Token).GetAsyncEnumerator(ending.Token);
        try
        {
            while (true)
            {
                try
                {
                    if (!await events.MoveNextAsync().ConfigureAwait(false))
                    {
                        yield break;
                    }
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }

                var e = events.Current;
                if (!allowed.Contains(e.Resource.Name))
                {
                    continue;
                }

                var state = new PipelineResourceState(e.Resource.Name, e.Snapshot.State?.Text ?? "Unknown", e.Snapshot.HealthStatus?.ToString());
                if (last.TryGetValue(state.Name, out var before) && before == state)
                {
                    continue;
                }

                last[state.Name] = state;
                yield return new SseItem<PipelineResourceState>(state, "resource");
            }
        }
        finally
        {
            await events.DisposeAsync().ConfigureAwait(false);
        }
    }
}
