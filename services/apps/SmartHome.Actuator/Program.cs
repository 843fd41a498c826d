using SmartHome.Actuator;
using SmartHome.Messaging;
using SmartHome.Messaging.Secure;
using SmartHome.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("actuator");

if (!StartupCheck.TryRun(() => ProtectionRegistration.GetPipeline(builder.Configuration), string.Empty, out var pipeline))
{
    return 2;
}

if (!StartupCheck.TryRun(() => builder.AddValidatedOptions<ActuatorOptions>(ActuatorOptions.SectionName), $"The {pipeline} actuator cannot start: ",
        out var actuatorOptions))
{
    return 1;
}

builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<HomeState>();
builder.Services.AddSingleton(new DecisionLog(actuatorOptions.DecisionLogCapacity));
builder.Services.AddSingleton(sp => new HomeFeed(sp.GetRequiredService<DecisionLog>(), sp.GetRequiredService<HomeState>(),
    sp.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping));
// Both pipelines authorize readings against the same registry; the secure one also trusts only its devices' keys.
if (!StartupCheck.TryRun(() => ProtectionFactory.LoadRegistry(builder.Configuration), $"The {pipeline} actuator cannot start: ", out var registry)
    || !StartupCheck.TryRun(() => ProtectionFactory.ForActuator(pipeline, builder.Configuration, registry),
        $"The {pipeline} actuator cannot start: ", out var protection)
    || !StartupCheck.TryRun(() => ProtectionFactory.AcksForActuator(pipeline, builder.Configuration),
        $"The {pipeline} actuator cannot start: ", out var ackProtection)
    || !StartupCheck.TryRun(() => AppliedJournal.Open(Path.Combine(ProtectionFactory.StateDirectory(builder.Configuration), "actuator-applied.journal"),
        actuatorOptions.AppliedIdsPerSender),
        $"The {pipeline} actuator cannot start: ", out var journal))
{
    return 1;
}

builder.Services.AddSingleton(journal);
builder.Services.AddSingleton(ackProtection);
builder.Services.AddSingleton<AckQueue>();

builder.Services.AddSingleton(sp => new DeviceAuthorization(registry, sp.GetRequiredService<TimeProvider>()));

builder.Services.AddSingleton(protection);
builder.Services.AddSingleton(sp => new ReadingProcessor(
    sp.GetRequiredService<IMessageProtection>(), sp.GetRequiredService<HomeState>(), sp.GetRequiredService<DeviceAuthorization>(),
    sp.GetRequiredService<DecisionLog>(),
    sp.GetRequiredService<TimeProvider>(), pipeline, sp.GetRequiredService<ILogger<ReadingProcessor>>(),
    sp.GetRequiredService<AppliedJournal>(), sp.GetRequiredService<AckQueue>()));
builder.Services.AddSingleton<ActuatorWorker>();
builder.Services.AddHostedService(sp => sp.GetRequiredService<ActuatorWorker>());
builder.Services.AddHostedService<AckPublisher>();
builder.Services.AddHealthChecks().AddBrokerConnectionCheck<ActuatorWorker>(w => w.IsConnected, w => w.LastError);

var app = builder.Build();
app.MapDefaultEndpoints();

app.MapGet("/", (HomeState home, DecisionLog log) => Results.Ok(new { pipeline, state = home.Snapshot(), decisions = log.Summary() })).RequireLoopback();
app.MapGet("/state", (HomeState home) => Results.Ok(home.Snapshot())).RequireLoopback();
// The durable record of applied readings (message id -> applications recorded), what "applied once" is counted on.
app.MapGet("/applied", (AppliedJournal applied) =>
    Results.Ok(applied.Path is { } path ? AppliedJournal.ReadApplications(path) : new Dictionary<string, int>())).RequireLoopback();
app.MapGet("/decisions/summary", (DecisionLog log) => Results.Ok(log.Summary())).RequireLoopback();

// The decision log, oldest first; page with ?after=<last seq>; filter by attemptId, messageId or verdict.
app.MapGet("/decisions", (DecisionLog log, long? after, int? limit, string? attemptId, string? messageId, string? verdict) =>
    Results.Ok(log.Query(after ?? 0, Math.Clamp(limit ?? 1000, 1, 100_000), attemptId, messageId, verdict)))
    .RequireLoopback();

// The same log live, as server-sent events (the home console): the state, then every decision with the state after it.
// A reconnecting EventSource sends Last-Event-ID (the last seq it saw), so it misses nothing the ring still holds.
app.MapGet("/decisions/stream", (HomeFeed feed, HttpRequest request, CancellationToken ct) =>
    TypedResults.ServerSentEvents(feed.StreamAsync(
        long.TryParse(request.Headers["Last-Event-ID"], System.Globalization.CultureInfo.InvariantCulture, out var seen) ? seen : null, ct)))
    .RequireLoopback();

// Dashboard command "show replay-window state": per sender and suite (seed and v2 receivers), highest counter, window fill, key id.
app.MapGet("/replay-window", () =>
    protection is SecureReceiverProtection secure
        ? Results.Ok(secure.SnapshotReplayState())
        : Results.Ok(Array.Empty<object>()))
    .RequireLoopback();

app.Run();
return 0;
