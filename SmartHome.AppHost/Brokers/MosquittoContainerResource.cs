namespace Aspire.Hosting.ApplicationModel;

/// <summary>The same broker as the <c>eclipse-mosquitto:2</c> container image, for hosts with a container engine.</summary>
public sealed class MosquittoContainerResource(string name, MosquittoSettings settings) : ContainerResource(name), IHostedMosquittoBroker
{
    /// <summary>Where the image reads its configuration; <see cref="MosquittoSettings.Directory"/> is bind-mounted there.</summary>
    public const string ConfigDirectory = "/mosquitto/config";

    /// <summary>The port Mosquitto listens on inside the container.</summary>
    public const int ContainerPort = 1883;

    public MosquittoSettings Settings { get; } = settings;

    public bool UseTls => Settings.Tls is not null;

    public EndpointReference Endpoint => new(this, MosquittoEndpoint.Name);

    public ReferenceExpression ConnectionStringExpression => MosquittoEndpoint.ConnectionString(Endpoint, UseTls);
}
