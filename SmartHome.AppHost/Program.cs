using Aspire.Hosting.ApplicationModel;
using SmartHome.AppHost;
using SmartHome.AppHost.Brokers;

var builder = DistributedApplication.CreateBuilder(args);
var settings = AppHostSettings.Load(builder);
if (settings.Error is not null)
{
    // Expected setup problems get one clear sentence, not a stack trace.
    Console.Error.WriteLine(settings.Error);
    return 1;
}

if (settings.InsecureEnabled)
{
    var broker = builder.AddMosquittoBroker("insecure-broker", settings.InsecurePort, settings.RunDirectory,
        settings.BrokerMode, settings.MosquittoPath);

    var actuator = builder.AddProject<Projects.SmartHome_Actuator>("insecure-actuator")
        .WithPipelineDefaults(settings, "insecure", broker);
    builder.AddProject<Projects.SmartHome_Sensor>("insecure-sensor")
        .WithPipelineDefaults(settings, "insecure", broker)
        .WithEnvironment("Sensor__ReadingsPerSecond", settings.ReadingsPerSecond)
        .WaitFor(actuator);
}

builder.Build().Run();
return 0;
