using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace SmartHome.AppHost.Supervision;

public static class RestartPolicyBuilderExtensions
{
    /// <summary>
    /// The AppHost restarts this resource when it crashes (exits without being asked to stop), with the policy's backoff,
    /// publishes its restart count as a resource property, and stops restarting it in the state
    /// <see cref="SupervisionStates.CrashLoop"/> when it crashes too often; the command "Clear crash loop" starts it again.
    /// The policy is validated here, at start: a bad one fails the AppHost before anything runs.
    /// </summary>
    public static IResourceBuilder<T> WithRestartPolicy<T>(this IResourceBuilder<T> resource, RestartPolicy? policy = null)
        where T : IResource
    {
        ArgumentNullException.ThrowIfNull(resource);
        var services = resource.ApplicationBuilder.Services;
        if (!services.Any(d => d.ServiceType == typeof(ResourceSupervisor)))
        {
            services.TryAddSingleton(TimeProvider.System);
            services.AddSingleton<ResourceSupervisor>();
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<ResourceSupervisor>());
        }

        return resource
            .WithAnnotation(new RestartPolicyAnnotation(policy ?? new RestartPolicy()), ResourceAnnotationMutationBehavior.Replace)
            .WithCommand(SupervisionStates.ClearCrashLoopCommand, "Clear crash loop",
                context => context.Services.GetRequiredService<ResourceSupervisor>().ClearCrashLoopAsync(context.ResourceName, context.CancellationToken),
                new CommandOptions
                {
                    Description = "Forget the crashes that stopped the automatic restarts and start the resource again.",
                    IconName = "ArrowCounterclockwise",
                    IsHighlighted = true,
                    UpdateState = context => context.ResourceSnapshot.State?.Text == SupervisionStates.CrashLoop
                        ? ResourceCommandState.Enabled
                        : ResourceCommandState.Hidden,
                });
    }
}
