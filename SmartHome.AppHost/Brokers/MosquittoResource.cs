namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A Mosquitto broker run from the host's own installation (Debian package <c>mosquitto</c>).
/// Its connection string is <c>mqtt://host:port</c>, or <c>mqtts://host:port</c> once <see cref="MosquittoSettings.Tls"/> is set.
/// </summary>
public sealed class MosquittoResource(string name, string command, MosquittoSettings settings)
    : ExecutableResource(name, command, settings.Directory), IHostedMosquittoBroker
{
    public MosquittoSettings Settings { get; } = settings;

    public bool UseTls => Settings.Tls is not null;

    public EndpointReference Endpoint => new(this, MosquittoEndpoint.Name);

    public ReferenceExpression ConnectionStringExpression => MosquittoEndpoint.ConnectionString(Endpoint, UseTls);
}
