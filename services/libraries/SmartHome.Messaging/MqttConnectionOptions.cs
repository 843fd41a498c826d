namespace SmartHome.Messaging;

/// <summary>How to reach and authenticate to a broker; bound from configuration.</summary>
public sealed class MqttConnectionOptions
{
    /// <summary><c>mqtt://host:port</c> (plain TCP) or <c>mqtts://host:port</c> (TLS).</summary>
    public string ConnectionString { get; set; } = string.Empty;

    public string ClientId { get; set; } = string.Empty;

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>PEM file of the CA that signed the broker's TLS certificate (required for mqtts).</summary>
    public string? CaCertificatePath { get; set; }

    /// <summary>
    /// False keeps a persistent session: the broker queues QoS 1 messages while the client is away.
    /// </summary>
    public bool CleanStart { get; set; } = true;

    /// <summary>How long the broker keeps a persistent session after a disconnect.</summary>
    public uint SessionExpirySeconds { get; set; }

    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Parses the connection string; throws <see cref="FormatException"/> with a clear message.</summary>
    public (string Host, int Port, bool UseTls) ParseEndpoint()
    {
        if (!Uri.TryCreate(ConnectionString, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("mqtt" or "mqtts" or "tcp")
            || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException(
                $"Broker connection string '{ConnectionString}' is not of the form mqtt://host:port or mqtts://host:port.");
        }

        var useTls = uri.Scheme == "mqtts";
        var port = uri.IsDefaultPort || uri.Port <= 0 ? (useTls ? 8883 : 1883) : uri.Port;
        return (uri.Host, port, useTls);
    }
}
