using SmartHome.Contracts;
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

if (!StartupCheck.TryRun(() => builder.AddValidatedOptions<SensorOptions>(SensorOptions.SectionName), $"The {pipeline} sensor cannot start: ",
        out var sensorOptions)
    || !StartupCheck.TryRun(() => builder.AddValidatedOptions<OutboxOptions>(OutboxOptions.SectionName), $"The {pipeline} sensor cannot start: ",
        out var outboxOptions))
{
    return 1;
}

var devices = sensorOptions.DeviceIds;
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(new HomeSimulator(sensorOptions));
if (!StartupCheck.TryRun(() => ProtectionFactory.ForSensor(pipeline, builder.Configuration, devices),
        $"The {pipeline} sensor cannot start: ", out var protection))
{
    return 1;
}

if (!StartupCheck.TryRun(() => ProtectionFactory.AcksForSensor(pipeline, builder.Configuration, devices), $"The {pipeline} sensor cannot start: ",
        out var ackProtection)
    || !StartupCheck.TryRun(() => new SensorOutbox(Path.Combine(ProtectionFactory.StateDirectory(builder.Configuration), "sensor-outbox.log"),
        outboxOptions, TimeProvider.System), $"The {pipeline} sensor cannot start: ", out var outbox))
{
    return 1;
}

// The dashboard's view of what is waiting for an acknowledgement.
SmartHomeTelemetry.Meter.CreateObservableGauge(SmartHomeTelemetry.Instruments.OutboxPending, () => outbox.Count,
    description: "Readings in the sensor's outbox that the actuator has not acknowledged yet.");
builder.Services.AddSingleton(protection);
builder.Services.AddSingleton(ackProtection);
builder.Services.AddSingleton(outbox);
builder.Services.AddSingleton(new AckLog());
builder.Services.AddSingleton(new SessionRenewal(outboxOptions, TimeProvider.System));
builder.Services.AddSingleton<AckHandler>();
builder.Services.AddSingleton<SensorPublisher>();
builder.Services.AddHostedService<SensorWorker>();
builder.Services.AddHostedService<OutboxRetransmitter>();
builder.Services.AddHealthChecks().AddBrokerConnectionCheck<SensorPublisher>(p => p.AllConnected, p => p.LastError);

var app = builder.Build();
app.MapDefaultEndpoints();
if (protection is SecureSenderProtection sealing)
{
    SuiteChoiceLog.Write(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("SmartHome.Sensor.Suites"),
        ProtectionFactory.Suite(builder.Configuration), sealing.Suites);
}

app.MapGet("/", (SensorPublisher publisher) => Results.Ok(new
{
    pipeline,
    devices = publisher.Home.Devices.Select(d => new { d.DeviceId, kind = d.Kind.ToString() }),
    published = publisher.Published,
    connected = publisher.AllConnected,
})).RequireLoopback();

// The outbox: unacknowledged readings (oldest first), acknowledgements taken, and the acknowledgement round trips.
// ?last=N: round-trip percentiles over the newest N acknowledged readings only (default: the last 10,000 kept).
app.MapGet("/outbox", (SensorOutbox box, AckHandler acks, int? last) =>
{
    var kept = acks.RoundTrips();
    var roundTrips = kept.Skip(Math.Max(0, kept.Count - Math.Clamp(last ?? kept.Count, 0, kept.Count))).Order().ToArray();
    double Percentile(double p) => roundTrips.Length == 0 ? 0 : roundTrips[Math.Min(roundTrips.Length - 1, (int)(p * roundTrips.Length))];
    return Results.Ok(new
    {
        pending = box.Count,
        recovered = box.Recovered,
        acknowledged = acks.Acknowledged,
        refusedByActuator = acks.RefusedByActuator,
        refusedAcknowledgements = acks.RefusedAcks,
        roundTripMs = new { count = roundTrips.Length, p50 = Percentile(0.5), p90 = Percentile(0.9), p99 = Percentile(0.99), max = roundTrips.LastOrDefault() },
        messageIds = box.Pending().Take(10_000).Select(e => e.MessageId),
    });
}).RequireLoopback();

// The device's judgement of every acknowledgement message it received (accepted, or refused with the reason), oldest
// first; page with ?after=, filter by attemptId: how an attack on the acknowledgements is judged on this victim's side.
app.MapGet("/acks", (AckLog log, long? after, int? limit, string? attemptId) =>
    Results.Ok(log.Query(after ?? 0, Math.Clamp(limit ?? 1000, 1, 10_000), attemptId))).RequireLoopback();
app.MapGet("/acks/summary", (AckLog log) => Results.Ok(new { total = log.Count })).RequireLoopback();

// Publishes a run of readings at a fixed rate: used by tests, the report and anyone measuring latency.
// ?concurrency=C keeps up to C publishes in flight (default 1: each awaits its PUBACK before the next).
app.MapPost("/publish", async (SensorPublisher publisher, int? count, double? ratePerSecond, int? concurrency, CancellationToken ct) =>
{
    var total = Math.Clamp(count ?? 1, 1, 1_000_000);
    var rate = ratePerSecond is > 0 ? ratePerSecond.Value : double.PositiveInfinity;
    var ids = await BurstPublisher.PublishAsync(publisher, total, rate, ct, Math.Clamp(concurrency ?? 1, 1, 256)).ConfigureAwait(false);
    // deviceIds[i] sent messageIds[i]: a client can account per device (a stolen device's readings, say).
    var deviceIds = ids.Select((_, i) => BurstPublisher.DeviceFor(publisher.Home.Devices, i).DeviceId).ToList();
    return Results.Ok(new PublishResponse(ids.Count, ids, deviceIds));
}).RequireControlSecret();

// Dashboard command "rotate session key": every device announces a fresh AES-256 key now.
app.MapPost("/rotate", async (SensorPublisher publisher, CancellationToken ct) =>
    protection is SecureSenderProtection secure
        ? Results.Ok(new { rotated = await publisher.PublishAllAsync(secure.RotateAll(), ct).ConfigureAwait(false) })
        : Results.BadRequest(new { error = "The insecure pipeline has no session keys to rotate." }))
    .RequireControlSecret();

app.Run();
return 0;
