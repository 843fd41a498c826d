using System.Reflection;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The embedded fallback broker (services/apps/SmartHome.EmbeddedBroker, MQTTnet.Server) run as <c>dotnet SmartHome.EmbeddedBroker.dll
/// -c mosquitto.conf</c> with the same generated config, password file, ACL and TLS files as Mosquitto, for machines with
/// neither Mosquitto nor a container engine. <paramref name="command"/> is <see cref="DotnetHost"/>, or setpriv running it
/// (see SmartHome.AppHost.Supervision.ParentDeathSignal). Same endpoint, connection string and health check as <see cref="MosquittoResource"/>.
/// </summary>
public sealed class EmbeddedBrokerResource(string name, string command, MosquittoSettings settings)
    : ExecutableResource(name, command, settings.Directory), IHostedMosquittoBroker
{
    /// <summary>The dotnet host that runs the broker's dll (the SDK's, when the AppHost runs under it).</summary>
    public static string DotnetHost => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet";

    public MosquittoSettings Settings { get; } = settings;

    public bool UseTls => Settings.Tls is not null;

    public EndpointReference Endpoint => new(this, MosquittoEndpoint.Name);

    public ReferenceExpression ConnectionStringExpression => MosquittoEndpoint.ConnectionString(Endpoint, UseTls);

    /// <summary>The broker's built dll: bin/&lt;the AppHost's configuration&gt;/net10.0 of the referenced project (built with the AppHost).</summary>
    public static string LocateAssembly()
    {
        var projectDirectory = Path.GetDirectoryName(new Projects.SmartHome_EmbeddedBroker().ProjectPath)!;
        var configuration = typeof(EmbeddedBrokerResource).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        const string FileName = "SmartHome.EmbeddedBroker.dll";
        var expected = Path.Combine(projectDirectory, "bin", configuration, "net10.0", FileName);
        if (File.Exists(expected))
        {
            return expected;
        }

        var built = Directory.Exists(Path.Combine(projectDirectory, "bin"))
            ? Directory.EnumerateFiles(Path.Combine(projectDirectory, "bin"), FileName, SearchOption.AllDirectories)
                .OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault()
            : null;
        return built ?? throw new InvalidOperationException(
            $"The embedded broker is not built ({expected} is missing): run `dotnet build services/apps/SmartHome.EmbeddedBroker`.");
    }
}
