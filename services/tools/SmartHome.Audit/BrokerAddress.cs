using System.Net;
using System.Net.Sockets;

namespace SmartHome.Audit;

/// <summary>A broker URI (<c>mqtt://host[:1883]</c> or <c>mqtts://host[:8883]</c>; <c>tcp</c>/<c>ssl</c> too), parsed.</summary>
public sealed record BrokerAddress(string Host, int Port, bool Tls)
{
    public override string ToString() => $"{(Tls ? "mqtts" : "mqtt")}://{Host}:{Port}";

    /// <summary>Parses <paramref name="text"/>; null with <paramref name="error"/> set when it is not a broker URI.</summary>
    public static BrokerAddress? TryParse(string? text, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            error = $"'{text}' is not a broker URI: use mqtt://host[:port] or mqtts://host[:port].";
            return null;
        }

        bool? tls = uri.Scheme.ToUpperInvariant() switch
        {
            "MQTT" or "TCP" => false,
            "MQTTS" or "SSL" or "TLS" => true,
            _ => null,
        };
        if (tls is null)
        {
            error = $"Scheme '{uri.Scheme}' is not an MQTT scheme: use mqtt:// (plaintext) or mqtts:// (TLS).";
            return null;
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            error = "Do not put credentials in the URI (they end up in shell history and reports): use --username and --password-file.";
            return null;
        }

        var port = uri.IsDefaultPort || uri.Port < 0 ? (tls.Value ? 8883 : 1883) : uri.Port;
        return new BrokerAddress(uri.IdnHost.Trim('[', ']'), port, tls.Value);
    }

    /// <summary>The one address every probe uses (IPv4 first), so the audit touches exactly one host.</summary>
    public async Task<IPAddress> ResolveAsync(CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(Host, out var literal))
        {
            return literal;
        }

        var addresses = await Dns.GetHostAddressesAsync(Host, cancellationToken).ConfigureAwait(false);
        return addresses.OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).FirstOrDefault()
            ?? throw new InvalidOperationException($"'{Host}' has no address.");
    }
}
