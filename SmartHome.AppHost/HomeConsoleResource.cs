using Microsoft.Extensions.DependencyInjection;
using SmartHome.AppHost.PipelineControl;

namespace SmartHome.AppHost;

/// <summary>
/// The home console (services/apps/SmartHome.Console): both homes live in a browser, with attack, key-rotation and
/// stop/start controls.
/// It reads each enabled pipeline's actuator, calls its sensor and attacker with the control secret (which never reaches the
/// browser), and links every decision to its trace in this dashboard.
/// </summary>
public static class HomeConsoleResource
{
    public const string Name = "home-console";

    /// <summary>Adds <see cref="Name"/>, referencing the actuator, sensor and attacker of every pipeline added before it.</summary>
    public static IResourceBuilder<ProjectResource> AddHomeConsole(this IDistributedApplicationBuilder builder, AppHostSettings settings)
    {
        var console = builder.AddProject<Projects.SmartHome_Console>(Name)
            .WithEnvironment("SmartHome__LogDirectory", settings.LogDirectory)
            // It forwards the page's presses to the sensors' POST /rotate and the attackers' POST /campaign.
            .WithControlSecret()
            // Stop and start each home's broker, sensor and actuator: the AppHost's loopback control surface runs the commands.
            .WithPipelineControl()
            .WithAppHostWatchdog()
            .WithTelemetryExport(settings)
            .WithHttpEndpoint()
            .WithHttpHealthCheck("/health")
            .WithUrlForEndpoint("http", url => url.DisplayText = "Home console")
            .WithEnvironment(context =>
            {
                // Known once the dashboard runs (the tests give it a random port), so read when the console starts; a
                // published app has no dashboard of ours.
                if (context.ExecutionContext.IsRunMode && DashboardUrl(context.ExecutionContext.Services, builder) is { } dashboard)
                {
                    context.EnvironmentVariables["Console__DashboardUrl"] = dashboard;
                }
            });

        foreach (var pipeline in new[] { "insecure", "secure" })
        {
            foreach (var role in new[] { "actuator", "sensor", "attacker" })
            {
                if (builder.Resources.OfType<ProjectResource>().FirstOrDefault(r => r.Name == $"{pipeline}-{role}") is { } service)
                {
                    // Service discovery only: the console shows a stopped service as such and follows it when it is back,
                    // so it waits for nothing (the attackers start only when a user starts them).
                    console.WithReference(builder.CreateResourceBuilder(service));
                }
            }
        }

        return console;
    }

    private static string? DashboardUrl(IServiceProvider services, IDistributedApplicationBuilder builder)
    {
        var model = services.GetService<DistributedApplicationModel>();
        var dashboard = model?.Resources.OfType<IResourceWithEndpoints>().FirstOrDefault(r => r.Name == "aspire-dashboard");
        var endpoint = dashboard?.Annotations.OfType<EndpointAnnotation>()
            .Select(e => dashboard.GetEndpoint(e.Name))
            .FirstOrDefault(e => e.IsAllocated && e.Scheme is "http" or "https");
        if (endpoint is not null)
        {
            return endpoint.Url;
        }

        // `dotnet run`: the dashboard listens where the AppHost's launch profile says (applicationUrl).
        return builder.Configuration["ASPNETCORE_URLS"]?.Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
    }
}
