using SmartHome.AppHost.Supervision;

namespace SmartHome.AppHost;

internal static class PipelineResourceExtensions
{
    private static readonly System.Diagnostics.Process Self = System.Diagnostics.Process.GetCurrentProcess();

    /// <summary>Lets the service stop itself if this AppHost dies without stopping it (see AppHostWatchdog).</summary>
    public static IResourceBuilder<T> WithAppHostWatchdog<T>(this IResourceBuilder<T> service)
        where T : IResourceWithEnvironment =>
        service
            .WithEnvironment("SmartHome__AppHostPid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEnvironment("SmartHome__AppHostStartTicks",
                Self.StartTime.ToUniversalTime().Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Without <see cref="AppHostSettings.ExportTelemetry"/>, the service gets no OTLP endpoint, so it exports nothing.</summary>
    public static IResourceBuilder<T> WithTelemetryExport<T>(this IResourceBuilder<T> service, AppHostSettings settings)
        where T : IResourceWithEnvironment =>
        settings.ExportTelemetry
            ? service
            : service.WithEnvironment(context => context.EnvironmentVariables.Remove("OTEL_EXPORTER_OTLP_ENDPOINT"));

    /// <summary>
    /// What every pipeline service gets: its pipeline, the broker connection, log/state folders (no key material:
    /// the secure services get their own identity's files through <see cref="IdentitySecrets"/>),
    /// an HTTP endpoint with a health check, a start only once the broker is healthy, and a restart after a crash
    /// (<see cref="Supervision.RestartPolicyBuilderExtensions.WithRestartPolicy{T}"/>).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPipelineDefaults(this IResourceBuilder<ProjectResource> service,
        AppHostSettings settings, string pipeline, IResourceBuilder<IMosquittoBroker> broker) =>
        service
            .WithArgs("--Pipeline", pipeline)
            .WithReference(broker, "broker")
            .WaitFor(broker)
            .WithEnvironment("SmartHome__LogDirectory", settings.LogDirectory)
            .WithEnvironment("SmartHome__StateDirectory", settings.StateDirectory)
            .WithAppHostWatchdog()
            .WithTelemetryExport(settings)
            .WithHttpEndpoint()
            .WithHttpHealthCheck("/health")
            .WithRestartPolicy(settings.RestartPolicy);
}
