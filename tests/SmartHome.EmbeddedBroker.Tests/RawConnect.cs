using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SmartHome.EmbeddedBroker.Tests;

/// <summary>
/// CONNECT packets written byte by byte (MQTTnet's encoder refuses some that stock clients and attackers send, e.g. an
/// empty client id with clean session false) and the CONNACK read back as bytes, its MQTT 5 properties listed exactly
/// as present on the wire.
/// </summary>
internal static class RawConnect
{
    /// <summary>MQTT 3.1.1 (level 4) or 5 CONNECT with this client id, no login, keep-alive 60.</summary>
    public static byte[] Packet(int level, string clientId, bool cleanStart, string? username = null, string? password = null)
    {
        var flags = (cleanStart ? 0x02 : 0x00) | (username is null ? 0 : 0x80) | (password is null ? 0 : 0x40);
        var body = new List<byte> { 0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', (byte)level, (byte)flags, 0x00, 60 };
        if (level == 5)
        {
            body.Add(0x00); // no CONNECT properties
        }

        foreach (var field in new[] { clientId, username, password })
        {
            if (field is not null)
            {
                var bytes = Encoding.UTF8.GetBytes(field);
                body.Add((byte)(bytes.Length >> 8));
                body.Add((byte)bytes.Length);
                body.AddRange(bytes);
            }
        }

        return [0x10, (byte)body.Count, .. body];
    }

    /// <summary>
    /// "CONNACK(session-present,reason)" plus, for MQTT 5, its properties sorted by id as "0xID=value"; an assigned
    /// client id is shown by its shape (auto-&lt;36 characters&gt;) since each broker draws its own.
    /// </summary>
    public static async Task<string> ConnAckAsync(int port, byte[] connect, string? tlsCaFile = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        Stream stream = tcp.GetStream();
        if (tlsCaFile is not null)
        {
            // TLS trusting exactly the test CA, like mosquitto_sub --cafile.
            var ca = X509CertificateLoader.LoadCertificateFromFile(tlsCaFile);
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false, (_, certificate, _, _) =>
            {
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return certificate is X509Certificate2 server && chain.Build(server);
            });
            await ssl.AuthenticateAsClientAsync("localhost");
            stream = ssl;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(4));
        await stream.WriteAsync(connect, timeout.Token);
        var header = new byte[1];
        if (await stream.ReadAsync(header, timeout.Token) == 0)
        {
            return "closed";
        }

        var remaining = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = new byte[1];
            await stream.ReadExactlyAsync(b, timeout.Token);
            remaining |= (b[0] & 0x7F) << shift;
            if ((b[0] & 0x80) == 0)
            {
                break;
            }
        }

        var body = new byte[remaining];
        await stream.ReadExactlyAsync(body, timeout.Token);
        if (header[0] != 0x20 || body.Length < 2)
        {
            return $"unexpected packet 0x{header[0]:X2}";
        }

        var result = $"CONNACK({body[0]},{body[1]})";
        if (connect[8] != 5 || body.Length == 2)
        {
            return result;
        }

        var properties = Properties(body.AsSpan(2));
        return properties.Count == 0 ? result : result + " " + string.Join(' ', properties.Order(StringComparer.Ordinal));
    }

    private static List<string> Properties(ReadOnlySpan<byte> span)
    {
        var length = 0;
        var at = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = span[at++];
            length |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                break;
            }
        }

        var end = at + length;
        var properties = new List<string>();
        while (at < end)
        {
            var id = span[at++];
            string value;
            switch (id)
            {
                case 0x24 or 0x25 or 0x28 or 0x29 or 0x2A: // byte
                    value = span[at++].ToString(CultureInfo.InvariantCulture);
                    break;
                case 0x13 or 0x21 or 0x22: // two-byte integer
                    value = BinaryPrimitives.ReadUInt16BigEndian(span[at..]).ToString(CultureInfo.InvariantCulture);
                    at += 2;
                    break;
                case 0x11 or 0x27: // four-byte integer
                    value = BinaryPrimitives.ReadUInt32BigEndian(span[at..]).ToString(CultureInfo.InvariantCulture);
                    at += 4;
                    break;
                case 0x12 or 0x15 or 0x1A or 0x1C or 0x1F or 0x16: // string / binary
                    var n = BinaryPrimitives.ReadUInt16BigEndian(span[at..]);
                    value = Encoding.UTF8.GetString(span.Slice(at + 2, n));
                    at += 2 + n;
                    if (id == 0x12)
                    {
                        value = value.StartsWith("auto-", StringComparison.Ordinal) ? $"auto-<{value.Length - 5}>" : value;
                    }

                    break;
                case 0x26: // user property: two strings
                    var k = BinaryPrimitives.ReadUInt16BigEndian(span[at..]);
                    var v = BinaryPrimitives.ReadUInt16BigEndian(span[(at + 2 + k)..]);
                    value = Encoding.UTF8.GetString(span.Slice(at + 2, k)) + ":" + Encoding.UTF8.GetString(span.Slice(at + 4 + k, v));
                    at += 4 + k + v;
                    break;
                default:
                    return [.. properties, $"0x{id:X2}=?"];
            }

            properties.Add($"0x{id:X2}={value}");
        }

        return properties;
    }
}
