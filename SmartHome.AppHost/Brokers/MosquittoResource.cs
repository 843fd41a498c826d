namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A Mosquitto broker run from the host's own installation (Debian package <c>mosquitto</c>).
/// Its connection string is <c>mqtt://host:port</c>, or <c>mqtts://host:port</c> when the listener speaks TLS.
/// </summary>
public sealed class MosquittoResource(string name, string command, string workingDirectory, bool useTls)
    : ExecutableResource(name, command, workingDirectory), IMosquittoBroker
{
    public bool UseTls { get; } = useTls;

    public EndpointReference Endpoint => new(this, MosquittoBroker.EndpointName);

    public ReferenceExpression ConnectionStringExpression => MosquittoBroker.ConnectionString(Endpoint, UseTls);
}

/// <summary>The same broker as the <c>eclipse-mosquitto:2</c> container image, for hosts with a container engine.</summary>
public sealed class MosquittoContainerResource(string name, bool useTls) : ContainerResource(name), IMosquittoBroker
{
    public bool UseTls { get; } = useTls;

    public EndpointReference Endpoint => new(this, MosquittoBroker.EndpointName);

    public ReferenceExpression ConnectionStringExpression => MosquittoBroker.ConnectionString(Endpoint, UseTls);
}

/// <summary>What clients need of a broker, whichever way it runs.</summary>
public interface IMosquittoBroker : IResourceWithConnectionString, IResourceWithEndpoints, IResourceWithWaitSupport
{
    bool UseTls { get; }

    EndpointReference Endpoint { get; }
}

internal static class MosquittoBroker
{
    public const string EndpointName = "mqtt";

    public static ReferenceExpression ConnectionString(EndpointReference endpoint, bool useTls) =>
        useTls
            ? ReferenceExpression.Create($"mqtts://{endpoint.Property(EndpointProperty.Host)}:{endpoint.Property(EndpointProperty.Port)}")
            : ReferenceExpression.Create($"mqtt://{endpoint.Property(EndpointProperty.Host)}:{endpoint.Property(EndpointProperty.Port)}");
}
