using SmartHome.AppHost;
using SmartHome.AppHost.Brokers;
using SmartHome.AppHost.Supervision;

var builder = DistributedApplication.CreateBuilder(args);
var settings = AppHostSettings.Load(builder);
if (settings.Error is not null)
{
    // Expected setup problems get one clear sentence, not a stack trace.
    Console.Error.WriteLine(settings.Error);
    return 1;
}

builder.AddControlSecret(settings);
var runDirectory = RunDirectoryCleanup.Register(builder, settings);
builder.ServeProjectsOverPlainHttp();

var keys = new SmartHome.Security.KeyPaths(settings.KeysDirectory);
// KeyGen runs first only when keys/ lacks material (the secure pipeline's keys, or the device registry both actuators
// authorize with); it never overwrites existing keys.
IResourceBuilder<ProjectResource>? keygen = SecureBrokerFiles.KeysMissing(keys)
    ? builder.AddProject<Projects.SmartHome_KeyGen>("keygen").WithArgs("--keys", settings.KeysDirectory)
    : null;

if (settings.InsecureEnabled)
{
    var broker = settings.ExternalInsecure is { } externalInsecure
        ? builder.AddExternalBroker("insecure", externalInsecure)
        : builder.AddBroker("insecure-broker", settings.InsecurePort, settings.BrokerMode, settings.MosquittoPath)
            .WithDataDirectory(Path.Combine(settings.RunDirectory, "insecure-broker"))
            .WithRestartPolicy(settings.RestartPolicy);
    broker.WithAuditCommand(settings);

    var actuator = builder.AddProject<Projects.SmartHome_Actuator>("insecure-actuator")
        .WithPipelineDefaults(settings, "insecure", broker)
        .WithExternalLogin(builder, "insecure", settings.ExternalInsecure)
        .WithDeviceRegistry(keys);
    if (keygen is not null)
    {
        actuator.WaitForCompletion(keygen);
    }

    var sensor = builder.AddProject<Projects.SmartHome_Sensor>("insecure-sensor")
        .WithPipelineDefaults(settings, "insecure", broker)
        .WithExternalLogin(builder, "insecure", settings.ExternalInsecure)
        .WithControlSecret()
        .WithEnvironment("Sensor__ReadingsPerSecond", settings.ReadingsPerSecond)
        .WaitFor(actuator);
    builder.AddAttacker(settings, "insecure", broker, actuator, sensor).WithExternalLogin(builder, "insecure", settings.ExternalInsecure);
}

if (settings.SecureEnabled)
{
    IResourceBuilder<IMosquittoBroker> broker;
    if (settings.ExternalSecure is { } externalSecure)
    {
        broker = builder.AddExternalBroker("secure", externalSecure);
    }
    else
    {
        var hosted = builder.AddBroker("secure-broker", settings.SecurePort, settings.BrokerMode, settings.MosquittoPath)
            .WithDataDirectory(Path.Combine(settings.RunDirectory, "secure-broker"))
            .WithSecureBrokerFiles(keys)
            .WithRestartPolicy(settings.RestartPolicy);
        if (keygen is not null)
        {
            hosted.WithFilesFrom(keygen);
        }

        broker = hosted;
    }

    broker.WithAuditCommand(settings, keys);

    var actuator = builder.AddProject<Projects.SmartHome_Actuator>("secure-actuator")
        .WithPipelineDefaults(settings, "secure", broker)
        .WithActuatorSecrets(keys, SuiteKeyNeeds.Actuator(settings.Suite, keys))
        .WithEnvironment("Security__Suite", settings.Suite)
        .WithExternalLogin(builder, "secure", settings.ExternalSecure)
        .WithCommand("replay-window", "Show replay-window state", context => HttpCommands.GetAsync(context, "/replay-window"),
            new CommandOptions { Description = "Per sender and suite: highest counter, window fill, session key id.", IconName = "Shield" });
    var sensor = builder.AddProject<Projects.SmartHome_Sensor>("secure-sensor")
        .WithPipelineDefaults(settings, "secure", broker)
        .WithControlSecret()
        .WithSensorSecrets(keys, SuiteKeyNeeds.Sensor(settings.Suite, keys, SmartHome.Security.KeyMaterialGenerator.DefaultDevices))
        .WithEnvironment("Security__Suite", settings.Suite)
        .WithExternalLogin(builder, "secure", settings.ExternalSecure)
        .WithEnvironment("Sensor__ReadingsPerSecond", settings.ReadingsPerSecond)
        .WaitFor(actuator)
        .WithCommand("rotate-key", "Rotate session keys", context => HttpCommands.PostAsync(context, "/rotate"),
            new CommandOptions { Description = "Every device announces a fresh AES-256 session key now.", IconName = "ArrowSync" });
    builder.AddAttacker(settings, "secure", broker, actuator, sensor).WithExternalLogin(builder, "secure", settings.ExternalSecure);
    if (keygen is not null)
    {
        actuator.WaitForCompletion(keygen);
        sensor.WaitForCompletion(keygen);
    }
}

// After the pipelines: it references the services of each one that is enabled.
builder.AddHomeConsole(settings);

builder.AddProject<Projects.SmartHome_TimingDemo>("timing-demo")
    .WithArgs("demo", "--out", Path.Combine(settings.RepositoryRoot, "metrics", "timing"))
    .WithAppHostWatchdog()
    .WithTelemetryExport(settings)
    .WithExplicitStart();

try
{
    builder.Build().Run();
}
finally
{
    runDirectory.AfterRun();
}

return 0;
