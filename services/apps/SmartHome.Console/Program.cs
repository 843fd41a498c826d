using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using SmartHome.Console;
using SmartHome.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("console");

ConsoleOptions options;
try
{
    options = builder.AddValidatedOptions<ConsoleOptions>(ConsoleOptions.SectionName);
}
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine("The home console cannot start: " + ex.Sentences());
    return 1;
}

var homes = Homes.FromConfiguration(builder.Configuration);
if (homes.Pipelines.Count == 0)
{
    Console.Error.WriteLine("The home console cannot start: no home to show. Reference insecure-actuator or secure-actuator from the AppHost.");
    return 2;
}

// Every service of every home, by its resource name; Aspire service discovery resolves http://{pipeline}-{role}.
builder.Services.AddServiceDiscovery();
foreach (var pipeline in homes.Pipelines)
{
    foreach (var role in Homes.Roles)
    {
        builder.Services.AddHttpClient(Homes.ClientName(pipeline, role), client =>
        {
            client.BaseAddress = new Uri($"http://{Homes.ResourceName(pipeline, role)}");
            // The actuator's stream stays open for as long as the console runs; the other calls set their own bounds.
            client.Timeout = Timeout.InfiniteTimeSpan;
        }).AddServiceDiscovery();
    }
}

builder.Services.AddSingleton(homes);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<PageToken>();
builder.Services.AddSingleton(sp => new ConsoleHub(sp.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping));
builder.Services.AddSingleton<AttackRunner>();
builder.Services.AddSingleton<SensorControls>();
builder.Services.AddHostedService<ActuatorRelay>();

var app = builder.Build();
app.MapDefaultEndpoints();

// Everything the page loads comes from here: the policy makes the browser refuse anything else (and framing by other sites).
app.Use((context, next) =>
{
    context.Response.Headers.ContentSecurityPolicy =
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'none'";
    context.Response.Headers.XContentTypeOptions = "nosniff";
    context.Response.Headers["Referrer-Policy"] = "no-referrer";
    return next(context);
});
app.UseDefaultFiles();
app.UseStaticFiles();

var api = app.MapGroup("/api");

// What the page needs to start: its control token, the homes, the attack catalogue, which attackers run, the dashboard.
api.MapGet("/session", async (PageToken token, AttackRunner runner, CancellationToken ct) =>
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
    });
}).RequireLoopback();

// One stream for the page: both homes' decisions and states, the actuators' links, the attack grid as it fills in.
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

app.Run();
return 0;
