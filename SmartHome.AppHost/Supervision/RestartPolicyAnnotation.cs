namespace SmartHome.AppHost.Supervision;

/// <summary>Marks a resource the <see cref="ResourceSupervisor"/> restarts after a crash, and how.</summary>
public sealed class RestartPolicyAnnotation(RestartPolicy policy) : IResourceAnnotation
{
    public RestartPolicy Policy { get; } = policy.Validated();
}
