using SmartHome.Attacker;
using SmartHome.Contracts;
using SmartHome.Messaging;
using SmartHome.ServiceDefaults;

if (args.Length > 0 && args[0] == "campaign")
{
    return await Cli.RunAsync(args).ConfigureAwait(false);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("attacker");

string pipeline;
CampaignSettings settings;
try
{
    pipeline = ProtectionRegistration.GetPipeline(builder.Configuration);
    settings = AttackerConfiguration.Settings(builder.Configuration, pipeline);
}
catch (Exception ex) when (ex is InvalidOperationException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

// The victim's actuator and sensor, found by Aspire service discovery (or Attacker:{role}Url).
builder.Services.AddServiceDiscovery();
if (!AttackerConfiguration.AddVictimClient(builder, pipeline, "actuator"))
{
    Console.Error.WriteLine($"No address for {pipeline}-actuator: reference it from the AppHost or set Attacker:ActuatorUrl.");
    return 2;
}

var sensorKnown = AttackerConfiguration.AddVictimClient(builder, pipeline, "sensor");
builder.Services.AddSingleton(sp =>
{
    var clients = sp.GetRequiredService<IHttpClientFactory>();
    return new Victim(clients.CreateClient("actuator"), sensorKnown ? clients.CreateClient("sensor") : null);
});
builder.Services.AddSingleton<CampaignRunner>(sp => new CampaignRunner(settings, sp.GetRequiredService<Victim>(),
    sp.GetRequiredService<ILoggerFactory>().CreateLogger("SmartHome.Attacker.Campaign")));
builder.Services.AddSingleton<FloodRunner>(sp => new FloodRunner(settings, sp.GetRequiredService<Victim>(),
    sp.GetRequiredService<ILoggerFactory>().CreateLogger("SmartHome.Attacker.Flood")));

var app = builder.Build();
app.MapDefaultEndpoints();

app.MapGet("/", () => Results.Ok(new { pipeline, attacks = Attacks.All.Append(Attacks.ReplayAfterRestart), broker = $"{settings.Broker.Host}:{settings.Broker.Port}" })).RequireLoopback();

// Runs a campaign now and answers with its results (per attack × level); ?levels= picks capability levels (default all three).
app.MapPost("/campaign", async (CampaignRunner runner, int? attempts, string? attacks, double? floodRate, int? floodMessages,
    double? announcementFloodSeconds, string? levels, CancellationToken ct) =>
{
    if (!CampaignRunner.TryCreateRequest(attempts, attacks, out var request, out var error, floodRate, floodMessages, announcementFloodSeconds, levels))
    {
        return Results.BadRequest(new { error });
    }

    var report = await runner.RunAsync(c => c.RunAsync(request, ct), ct).ConfigureAwait(false);
    return report is null ? Results.Conflict(new { error = "a campaign is already running" }) : Results.Json(report, AttackerJson.Default.CampaignReport);
}).RequireControlSecret();

app.MapGet("/campaign/last", (CampaignRunner runner) =>
    runner.Last is { } last ? Results.Json(last, AttackerJson.Default.CampaignReport) : Results.NotFound(new { error = "no campaign has run yet" }))
    .RequireLoopback();

// replay-after-restart, step 1: capture legit traffic (the AppHost then restarts the actuator).
app.MapPost("/campaign/restart/prepare", async (CampaignRunner runner, int? attempts, CancellationToken ct) =>
{
    var n = Math.Clamp(attempts ?? 100, 1, CampaignRequest.MaxAttempts);
    var captured = await runner.PrepareRestartAsync(n, ct).ConfigureAwait(false);
    return Results.Ok(new { captured, attempts = n });
}).RequireControlSecret();

// replay-after-restart, step 2: replay the captures to the restarted actuator and judge.
app.MapPost("/campaign/restart/replay", async (CampaignRunner runner, CancellationToken ct) =>
{
    var report = await runner.ReplayAfterRestartAsync(ct).ConfigureAwait(false);
    return report is null
        ? Results.BadRequest(new { error = "nothing captured: POST /campaign/restart/prepare first" })
        : Results.Json(report, AttackerJson.Default.CampaignReport);
}).RequireControlSecret();

// A sustained flood at an exact rate (QoS 0, fire-and-forget) for up to an hour; answers when it is over.
app.MapPost("/flood", async (FloodRunner runner, double? rate, int? seconds, string? level, string? mix, CancellationToken ct) =>
{
    if (!FloodRequest.TryCreate(rate, seconds, level, mix, out var request, out var error))
    {
        return Results.BadRequest(new { error });
    }

    if (!settings.Broker.IsLoopback)
    {
        return Results.BadRequest(new { error = "refused: the flood only targets a broker on this machine (loopback)" });
    }

    var result = await runner.RunAsync(request, ct).ConfigureAwait(false);
    return result is null
        ? Results.Conflict(new { error = "a flood is already running (GET /flood/status)" })
        : Results.Json(result, AttackerJson.Default.FloodResult);
}).RequireControlSecret();

// While a flood runs: its phase (preparing, flooding) and the messages sent so far; afterwards the last result.
app.MapGet("/flood/status", (FloodRunner runner) => Results.Json(runner.Status(), AttackerJson.Default.FloodStatus)).RequireLoopback();

app.Run();
return 0;
