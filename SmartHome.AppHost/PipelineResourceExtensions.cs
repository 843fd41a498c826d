using Aspire.Hosting.ApplicationModel;

namespace SmartHome.AppHost;

internal static class PipelineResourceExtensions
{
    /// <summary>
    /// What every pipeline service gets: its pipeline, the broker connection, log/state folders,
    /// an HTTP endpoint with a health check, and a start only once the broker is healthy.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPipelineDefaults(this IResourceBuilder<ProjectResource> service,
        AppHostSettings settings, string pipeline, IResourceBuilder<IMosquittoBroker> broker) =>
        service
            .WithArgs("--Pipeline", pipeline)
            .WithReference(broker, "broker")
            .WaitFor(broker)
            .WithEnvironment("SmartHome__LogDirectory", settings.LogDirectory)
            .WithEnvironment("SmartHome__StateDirectory", settings.StateDirectory)
            .WithEnvironment("SmartHome__KeysDirectory", settings.KeysDirectory)
            .WithHttpEndpoint()
            .WithHttpHealthCheck("/health");
}
