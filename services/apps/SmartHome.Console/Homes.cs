namespace SmartHome.Console;

/// <summary>
/// The homes this console shows: each pipeline whose actuator the AppHost referenced (<c>services:{pipeline}-actuator</c>),
/// reached as <c>http://{pipeline}-{role}</c> through Aspire service discovery, like the attacker finds its victim.
/// </summary>
public sealed class Homes(IReadOnlyList<string> pipelines)
{
    public static readonly IReadOnlyList<string> Known = ["insecure", "secure"];

    public static readonly IReadOnlyList<string> Roles = ["actuator", "sensor", "attacker"];

    public IReadOnlyList<string> Pipelines { get; } = pipelines;

    public static Homes FromConfiguration(IConfiguration configuration) =>
        new([.. Known.Where(p => configuration.GetSection($"services:{ResourceName(p, "actuator")}").Exists())]);

    public static string ResourceName(string pipeline, string role) => $"{pipeline}-{role}";

    /// <summary>The named HTTP client of a pipeline's service (<see cref="ResourceName"/>).</summary>
    public static string ClientName(string pipeline, string role) => ResourceName(pipeline, role);

    public bool Contains(string? pipeline) => pipeline is not null && Pipelines.Contains(pipeline, StringComparer.Ordinal);
}
