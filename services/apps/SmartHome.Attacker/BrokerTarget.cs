namespace SmartHome.Attacker;

/// <summary>Where the broker is and how the attacker may reach it.</summary>
public sealed record BrokerTarget(string Host, int Port, bool UseTls, string? CaFile)
{
    public static BrokerTarget Parse(string connectionString, string? caFile)
    {
        if (!Uri.TryCreate(connectionString, UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts" or "tcp"))
        {
            throw new FormatException($"Broker '{connectionString}' is not of the form mqtt://host:port or mqtts://host:port.");
        }

        var tls = uri.Scheme == "mqtts";
        return new BrokerTarget(uri.Host, uri.IsDefaultPort || uri.Port <= 0 ? (tls ? 8883 : 1883) : uri.Port, tls, caFile);
    }

    /// <summary>The flood only ever targets a broker on this machine.</summary>
    public bool IsLoopback => Host is "localhost" || (System.Net.IPAddress.TryParse(Host, out var ip) && System.Net.IPAddress.IsLoopback(ip));
}
