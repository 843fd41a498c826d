using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace SmartHome.AppHost.PipelineControl;

/// <summary>
/// Who may use the pipeline control surface and on what: a caller on this machine holding the run's control secret, on a home's
/// broker, sensor or actuator that this AppHost runs (an external broker is not ours to stop). Pure, so it is tested without an app.
/// </summary>
public static class PipelineControlRules
{
    public const string Scheme = "Bearer";

    /// <summary>The roles of a home the console may stop and start.</summary>
    public static readonly IReadOnlyList<string> Roles = ["broker", "sensor", "actuator"];

    /// <summary>The names this surface acts on: <c>{pipeline}-{role}</c> for every such resource in the model.</summary>
    public static IReadOnlySet<string> AllowList(IEnumerable<IResource> resources) =>
        resources
            .Where(r => r is not ExternalBrokerResource && r.Name.Split('-', 2) is [var pipeline, var role]
                        && pipeline is "insecure" or "secure" && Roles.Contains(role))
            .Select(r => r.Name)
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>Aspire's command for an action (<c>stop</c>, <c>start</c>), or null for any other word.</summary>
    public static string? Command(string action) => action switch
    {
        "stop" => KnownResourceCommands.StopCommand,
        "start" => KnownResourceCommands.StartCommand,
        _ => null,
    };

    /// <summary>Why a request is refused (status and one sentence), or null when it may go on.</summary>
    public static (int Status, string Reason)? Check(IPAddress? remote, string? authorization, string secret)
    {
        if (remote is null || !IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote))
        {
            return (403, "The pipeline control surface answers only clients on this machine (loopback).");
        }

        if (authorization is null || !authorization.StartsWith(Scheme + " ", StringComparison.OrdinalIgnoreCase)
            || !SecretEquals(authorization[(Scheme.Length + 1)..].Trim(), secret))
        {
            return (401, "Send 'Authorization: Bearer <control secret>' (the run's secret, in control-secret of its run directory).");
        }

        return null;
    }

    private static bool SecretEquals(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
