using Microsoft.Extensions.Options;
using SmartHome.Messaging;
using SmartHome.Messaging.Secure;
using SmartHome.Sensor;
using SmartHome.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("sensor");

if (!StartupCheck.TryRun(() => ProtectionRegistration.GetPipeline(builder.Configuration), string.Empty, out var pipeline))
{
    return 2;
}

builder.Services.Configure<SensorOptions>(builder.Configuration.GetSection("Sensor"));
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(sp =>
{
    var options = sp.GetRequiredService<IOptions<SensorOptions>>().Value;
    return new HomeSimulator(options.Devices, options.Seed);
});
var devices = builder.Configuration.GetSection("Sensor:Devices").Get<string[]>() is { Length: > 0 } configured
    ? configured
    : HomeSimulator.DefaultDevices;
if (!StartupCheck.TryRun(() => ProtectionFactory.ForSensor(pipeline, builder.Configuration, devices),
        $"The {pipeline} sensor cannot start: ", out var protection))
{
    return 1;
}

builder.Services.AddSingleton(protection);
builder.Services.AddSingleton<SensorPublisher>();
builder.Services.AddHostedService<SensorWorker>();
builder.Services.AddHealthChecks().AddBrokerConnectionCheck<SensorPublisher>(p => p.AllConnected, p => p.LastError);

var app = builder.Build();
app.MapDefaultEndpoints();

app.MapGet("/", (SensorPublisher publisher) => Results.Ok(new
{
    pipeline,
    devices = publisher.Home.Devices.Select(d => new { d.DeviceId, kind = d.Kind.ToString() }),
    published = publisher.Published,
    connected = publisher.AllConnected,
}));

// Publishes a run of readings at a fixed rate: used by tests, the report and anyone measuring latency.
// ?concurrency=C keeps up to C publishes in flight (default 1: each awaits its PUBACK before the next).
app.MapPost("/publish", async (SensorPublisher publisher, int? count, double? ratePerSecond, int? concurrency, CancellationToken ct) =>
{
    var total = Math.Clamp(count ?? 1, 1, 1_000_000);
    var rate = ratePerSecond is > 0 ? ratePerSecond.Value : double.PositiveInfinity;
    var ids = await BurstPublisher.PublishAsync(publisher, total, rate, ct, Math.Clamp(concurrency ?? 1, 1, 256)).ConfigureAwait(false);
    // deviceIds[i] sent messageIds[i]: a client can account per device (a stolen device's readings, say).
    var deviceIds = ids.Select((_, i) => BurstPublisher.DeviceFor(publisher.Home.Devices, i).DeviceId);
    return Results.Ok(new { published = ids.Count, messageIds = ids, deviceIds });
});

// Dashboard command "rotate session key": every device announces a fresh AES-256 key now.
app.MapPost("/rotate", async (SensorPublisher publisher, CancellationToken ct) =>
    protection is SecureSenderProtection secure
        ? Results.Ok(new { rotated = await publisher.PublishAllAsync(secure.RotateAll(), ct).ConfigureAwait(false) })
        : Results.BadRequest(new { error = "The insecure pipeline has no session keys to rotate." }));

app.Run();
return 0;
