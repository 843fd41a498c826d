using Microsoft.AspNetCore.Mvc;
using SmartHome.ServiceDefaults;

namespace SmartHome.Console;

/// <summary>
/// The console's HTTP API under <c>/api</c>: what the page reads (loopback only) and the controls it presses (loopback, the page's
/// token, not sent by another site: <see cref="ControlPressFilter"/>). Mapped by Program and, on its own, by the defence tests.
/// </summary>
public static class ConsoleApi
{
    public static void MapConsoleApi(this IEndpointRouteBuilder app, Homes homes, ConsoleOptions options)
    {
        var api = app.MapGroup("/api");

        // What the page needs to start: its control token, the homes, the attack catalogue, which attackers run, the dashboard.
        api.MapGet("/session", async (PageToken token, AttackRunner runner, PipelineControls pipeline, CancellationToken ct) =>
        {
            var catalogues = await Task.WhenAll(homes.Pipelines.Select(p => runner.CatalogueAsync(p, ct))).ConfigureAwait(false);
            return Results.Ok(new
            {
                token = token.Value,
                homes = homes.Pipelines,
                attackers = homes.Pipelines.Zip(catalogues).ToDictionary(h => h.First, h => h.Second is not null),
                attacks = catalogues.FirstOrDefault(c => c is not null) ?? [],
                levels = AttackPlan.AllLevels,
                attempts = options.Attempts,
                dashboardUrl = options.Dashboard?.ToString(),
                running = runner.IsRunning,
                pipelineControls = pipeline.Available,
            });
        }).RequireLoopback();

        // One stream for the page: both homes' decisions and states, the actuators' links, the pipelines' resources, the attack grid.
        api.MapGet("/events", (ConsoleHub hub, CancellationToken ct) => TypedResults.ServerSentEvents(hub.SubscribeAsync(ct))).RequireLoopback();

        var controls = api.MapGroup(string.Empty).AddEndpointFilter<ControlPressFilter>();

        // Attack controls: ?homes=insecure,secure&attacks=inject&levels=outsider&attempts=10 (no attacks: the whole campaign).
        controls.MapPost("/attacks", (AttackRunner runner, [FromQuery(Name = "homes")] string? targets, string? attacks, string? levels, int? attempts) =>
        {
            if (!AttackPlan.TryCreate(homes, targets, attacks, levels, attempts, options.Attempts, out var plan, out var error))
            {
                return Results.BadRequest(new { error });
            }

            return runner.TryStart(plan, out var runId)
                ? Results.Accepted(value: new { runId, description = plan.Describe() })
                : Results.Conflict(new { error = "An attack run is still going: wait for its grid to finish." });
        });

        // Key rotation: ?home=secure.
        controls.MapPost("/rotate", async (SensorControls sensors, string? home, CancellationToken ct) =>
        {
            if (!homes.Contains(home))
            {
                return Results.BadRequest(new { error = $"choose a home: {string.Join(", ", homes.Pipelines)}" });
            }

            return await sensors.RotateAsync(home!, ct).ConfigureAwait(false) is { } problem
                ? Results.Json(new { error = problem }, statusCode: StatusCodes.Status502BadGateway)
                : Results.Ok(new { message = $"The {home} home's devices announced fresh session keys." });
        });

        // Stop or start a home's broker, sensor or actuator: ?home=insecure&role=sensor&action=stop.
        controls.MapPost("/pipeline", async (PipelineControls pipeline, string? home, string? role, string? action, CancellationToken ct) =>
        {
            if (!homes.Contains(home) || role is null || !PipelineControls.Roles.Contains(role) || action is null
                || !PipelineControls.Actions.Contains(action))
            {
                return Results.BadRequest(new
                {
                    error = $"choose a home ({string.Join(", ", homes.Pipelines)}), a role ({string.Join(", ", PipelineControls.Roles)}) " +
                            $"and an action ({string.Join(", ", PipelineControls.Actions)})",
                });
            }

            return await pipeline.RunAsync(home!, role, action, ct).ConfigureAwait(false) is { } problem
                ? Results.Json(new { error = problem }, statusCode: StatusCodes.Status502BadGateway)
                : Results.Ok(new { message = $"The {home} home's {role}: {(action == "stop" ? "stopped" : "started")}." });
        });
    }
}
