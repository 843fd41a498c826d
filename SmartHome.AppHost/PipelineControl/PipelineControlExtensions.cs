using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace SmartHome.AppHost.PipelineControl;

public static class PipelineControlExtensions
{
    /// <summary>The console's environment variable that carries the surface's address.</summary>
    public const string UrlVariable = "Console__PipelineControlUrl";

    /// <summary>
    /// Starts a <see cref="PipelineControlSurface"/> with the app (run mode only) over the homes' brokers, sensors and actuators in
    /// the model, and gives its address to <paramref name="console"/>, which already holds the control secret it needs.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithPipelineControl(this IResourceBuilder<ProjectResource> console)
    {
        var builder = console.ApplicationBuilder;
        PipelineControlSurface? surface = null;
        if (!builder.ExecutionContext.IsRunMode)
        {
            return console;
        }

        builder.Eventing.Subscribe<BeforeStartEvent>(async (evt, ct) =>
        {
            var secret = await ControlSecret.GetAsync(evt.Services, ct).ConfigureAwait(false);
            surface = new PipelineControlSurface(evt.Services, PipelineControlRules.AllowList(evt.Model.Resources), secret);
            await surface.StartAsync(ct).ConfigureAwait(false);
            var stopping = surface;
            evt.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => _ = stopping.DisposeAsync().AsTask());
        });
        return console.WithEnvironment(context =>
        {
            if (surface?.Url is { } url)
            {
                context.EnvironmentVariables[UrlVariable] = url.ToString();
            }
        });
    }
}
