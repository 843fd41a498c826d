namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// What a hosted broker is started with, set by the fluent <c>With…</c> methods of
/// <see cref="SmartHome.AppHost.Brokers.MosquittoBuilderExtensions"/> and rendered into its mosquitto.conf at each start.
/// </summary>
public sealed class MosquittoSettings(int port, string directory)
{
    /// <summary>The host port clients connect to (the endpoint is not proxied: mosquitto_sub reaches the real broker).</summary>
    public int Port { get; } = port;

    /// <summary>The broker's own folder: generated mosquitto.conf, copies of its password, ACL and TLS files, and data/.</summary>
    public string Directory { get; internal set; } = directory;

    public string ConfigFile => Path.Combine(Directory, "mosquitto.conf");

    /// <summary>Null: anonymous clients are allowed.</summary>
    public string? PasswordFile { get; internal set; }

    /// <summary>The account the AppHost's health check connects as; read when first needed (KeyGen may write it after the model is built).</summary>
    public Func<BrokerAccount>? HealthAccount { get; internal set; }

    /// <summary>Rendered at each start, so accounts created after the model was built are covered.</summary>
    public Func<string>? AclText { get; internal set; }

    public BrokerTlsFiles? Tls { get; internal set; }

    /// <summary>A resource (KeyGen) that must finish before the files above exist.</summary>
    public IResource? FilesProducer { get; internal set; }
}
