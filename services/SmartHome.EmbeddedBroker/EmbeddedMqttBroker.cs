using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace SmartHome.EmbeddedBroker;

/// <summary>
/// An MQTTnet.Server broker that behaves like Mosquitto 2.0.11 with the same mosquitto.conf, password file and ACL:
/// refused logins get CONNACK 0x87 (Not authorized), a denied publish gets PUBACK 0x87, a subscription is always
/// granted and read access is checked for every message delivered (live, queued and retained), exactly as measured
/// against /usr/sbin/mosquitto. Sessions, queued QoS 1 messages and retained messages live in memory.
/// </summary>
public sealed class EmbeddedMqttBroker : IAsyncDisposable
{
    // MQTTnet 5.2 exposes the CONNECT packet's client id read-only; use_username_as_clientid needs to replace it
    // before the session is looked up, as mosquitto does.
    private static readonly FieldInfo? ConnectPacketField =
        typeof(ValidatingConnectionEventArgs).GetField("_connectPacket", BindingFlags.Instance | BindingFlags.NonPublic);

    // The broker's own messages ($SYS): MQTT strings cannot hold U+0000, so no client can carry this id.
    private const string BrokerSenderId = "\0broker";

    private readonly MosquittoConf _conf;
    private readonly PasswordFile? _passwords;
    private readonly AclRules? _acl;
    private readonly TextWriter _log;
    private readonly MqttServer _server;
    private readonly X509Certificate2? _certificate;

    // Client id -> username, kept while a (possibly offline, persistent) session exists.
    private readonly ConcurrentDictionary<string, string?> _users = new(StringComparer.Ordinal);

    private EmbeddedMqttBroker(MosquittoConf conf, TextWriter log)
    {
        _conf = conf;
        _log = log;
        _passwords = conf.PasswordFile is null ? null : PasswordFile.Load(conf.PasswordFile);
        _acl = conf.AclFile is null ? null : AclRules.Load(conf.AclFile);

        var factory = new MqttServerFactory();
        var options = factory.CreateServerOptionsBuilder()
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(Math.Max(1, conf.MaxQueuedMessages))
            .WithPendingMessagesOverflowStrategy(MqttPendingMessagesOverflowStrategy.DropNewMessage);
        var (v4, v6) = Addresses(conf.BindAddress);
        if (conf.UseTls)
        {
            _certificate = LoadCertificate(conf.CertFile!, conf.KeyFile!);
            options.WithoutDefaultEndpoint()
                .WithEncryptedEndpoint()
                .WithEncryptedEndpointPort(conf.Port)
                .WithEncryptedEndpointBoundIPAddress(v4)
                .WithEncryptedEndpointBoundIPV6Address(v6)
                .WithEncryptionCertificate(_certificate)
                .WithEncryptionSslProtocol(conf.TlsVersion switch
                {
                    "tlsv1.3" => SslProtocols.Tls13,
                    _ => SslProtocols.Tls12 | SslProtocols.Tls13,
                });
        }
        else
        {
            options.WithDefaultEndpoint()
                .WithDefaultEndpointPort(conf.Port)
                .WithDefaultEndpointBoundIPAddress(v4)
                .WithDefaultEndpointBoundIPV6Address(v6);
        }

        _server = factory.CreateMqttServer(options.Build());
        _server.ValidatingConnectionAsync += ValidateAsync;
        _server.ClientConnectedAsync += e =>
        {
            Log($"New client connected from {e.RemoteEndPoint} as {e.ClientId} (p{Protocol(e.ProtocolVersion)}, u'{e.UserName}').");
            return Task.CompletedTask;
        };
        _server.ClientDisconnectedAsync += e =>
        {
            Log(e.DisconnectType == MqttClientDisconnectType.Clean ? $"Client {e.ClientId} disconnected." : $"Client {e.ClientId} closed its connection.");
            return Task.CompletedTask;
        };
        _server.SessionDeletedAsync += e =>
        {
            _users.TryRemove(e.Id, out _);
            return Task.CompletedTask;
        };
        _server.InterceptingPublishAsync += InterceptPublishAsync;
        _server.InterceptingSubscriptionAsync += e =>
        {
            Log($"Received SUBSCRIBE from {e.ClientId}: {e.TopicFilter.Topic} (QoS {(int)e.TopicFilter.QualityOfServiceLevel})");
            return Task.CompletedTask;
        };
        if (_acl is not null)
        {
            // Live and queued messages: never enqueued for a receiver without read access.
            _server.InterceptingClientEnqueueAsync += e =>
            {
                e.AcceptEnqueue = MayRead(e.ReceiverClientId, _users.GetValueOrDefault(e.ReceiverClientId), e.ApplicationMessage.Topic);
                return Task.CompletedTask;
            };

            // Retained messages handed over on SUBSCRIBE bypass the enqueue interceptor: check every outgoing PUBLISH too.
            _server.InterceptingOutboundPacketAsync += e =>
            {
                if (e.Packet is MqttPublishPacket publish && !MayRead(e.ClientId, e.UserName, publish.Topic))
                {
                    e.ProcessPacket = false;
                }

                return Task.CompletedTask;
            };
        }
    }

    public int Port => _conf.Port;

    public MosquittoConf Configuration => _conf;

    /// <summary>Starts a broker from a parsed configuration; log lines go to <paramref name="log"/> (stdout by default).</summary>
    public static async Task<EmbeddedMqttBroker> StartAsync(MosquittoConf conf, TextWriter? log = null)
    {
        ArgumentNullException.ThrowIfNull(conf);
        var broker = new EmbeddedMqttBroker(conf, log ?? Console.Out);
        broker.Log("SmartHome embedded broker (MQTTnet.Server) starting");
        foreach (var key in conf.Ignored.Distinct())
        {
            broker.Log($"Warning: option '{key}' is not supported by the embedded broker and is ignored.");
        }

        await broker._server.StartAsync().ConfigureAwait(false);
        // Like mosquitto's retained $SYS/broker/version: a $SYS message exists, so $SYS read rights are observable.
        await broker._server.InjectApplicationMessage(new InjectedMqttApplicationMessage(new MqttApplicationMessageBuilder()
                .WithTopic("$SYS/broker/version")
                .WithPayload("SmartHome embedded broker (MQTTnet.Server)")
                .WithRetainFlag()
                .Build()) { SenderClientId = BrokerSenderId })
            .ConfigureAwait(false);
        broker.Log($"Opening {(conf.UseTls ? "TLS " : string.Empty)}listen socket on {conf.BindAddress ?? "*"}:{conf.Port}" +
                   $" ({(broker._passwords is null ? "no password file" : $"{broker._passwords.Count} users")}, {(broker._acl is null ? "no ACL" : "ACL")}," +
                   $" allow_anonymous {(conf.AllowAnonymous ? "true" : "false")}).");
        broker.Log("SmartHome embedded broker running");
        return broker;
    }

    public async ValueTask DisposeAsync()
    {
        Log("SmartHome embedded broker terminating");
        await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
        _server.Dispose();
        _certificate?.Dispose();
    }

    private Task ValidateAsync(ValidatingConnectionEventArgs e)
    {
        var who = string.IsNullOrEmpty(e.ClientId) ? e.RemoteEndPoint?.ToString() : e.ClientId;
        Log($"New connection from {e.RemoteEndPoint} on port {_conf.Port}.");
        if (string.IsNullOrEmpty(e.ClientId))
        {
            // MQTT 5 empty client id: mosquitto assigns one (the username with use_username_as_clientid) and says so in
            // CONNACK; MQTTnet would otherwise answer 0x85 before the login is even judged.
            e.AssignedClientIdentifier = _conf.UseUsernameAsClientId && e.UserName is not null
                ? e.UserName
                : "auto-" + Guid.NewGuid().ToString("D").ToUpperInvariant();
        }

        bool authorised;
        if (e.UserName is null)
        {
            authorised = _conf.AllowAnonymous;
        }
        else
        {
            authorised = _passwords is null || _passwords.Verify(e.UserName, e.Password);
        }

        if (!authorised)
        {
            // Mosquitto 2.0.11 answers every refused login (anonymous, unknown user, wrong password) with 0x87.
            e.ReasonCode = MqttConnectReasonCode.NotAuthorized;
            Log($"Sending CONNACK to {who} (0, 135)");
            Log($"Client {who ?? "<unknown>"} disconnected, not authorised.");
            return Task.CompletedTask;
        }

        var clientId = string.IsNullOrEmpty(e.ClientId) ? e.AssignedClientIdentifier : e.ClientId;
        if (_conf.UseUsernameAsClientId && e.UserName is not null && !string.IsNullOrEmpty(e.ClientId))
        {
            if (ConnectPacketField?.GetValue(e) is not MqttConnectPacket packet)
            {
                throw new InvalidOperationException("use_username_as_clientid: MQTTnet's CONNECT packet is not reachable (MQTTnet version changed?).");
            }

            packet.ClientId = e.UserName;
            clientId = e.UserName;
        }

        _users[clientId] = e.UserName;
        e.ReasonCode = MqttConnectReasonCode.Success;
        return Task.CompletedTask;
    }

    private Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        var message = e.ApplicationMessage;
        var description = $"(d{(message.Dup ? 1 : 0)}, q{(int)message.QualityOfServiceLevel}, r{(message.Retain ? 1 : 0)}, '{message.Topic}', ... ({message.Payload.Length} bytes))";
        if (_conf.MaxPacketSize > 0 && EstimatedPacketSize(message) > _conf.MaxPacketSize)
        {
            // Mosquitto drops the client that sends a packet above max_packet_size.
            e.ProcessPublish = false;
            e.CloseConnection = true;
            Log($"Client {e.ClientId} sent a packet above max_packet_size {_conf.MaxPacketSize}, disconnecting {description}");
            return Task.CompletedTask;
        }

        if (_acl is not null && e.ClientId is not null && e.ClientId != BrokerSenderId && !_acl.IsAllowed(e.UserName, e.ClientId, message.Topic, AclAccess.Write))
        {
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            Log($"Denied PUBLISH from {e.ClientId} {description}");
            return Task.CompletedTask;
        }

        return Task.CompletedTask;
    }

    private bool MayRead(string clientId, string? username, string topic) =>
        _acl is null || _acl.IsAllowed(username, clientId, topic, AclAccess.Read);

    private static long EstimatedPacketSize(MqttApplicationMessage message)
    {
        long size = 5 + 2 + Encoding.UTF8.GetByteCount(message.Topic) + 2 + 4 + message.Payload.Length;
        foreach (var property in message.UserProperties ?? [])
        {
            size += 5 + Encoding.UTF8.GetByteCount(property.Name) + property.ValueBuffer.Length;
        }

        size += message.ContentType is null ? 0 : 3 + Encoding.UTF8.GetByteCount(message.ContentType);
        size += message.ResponseTopic is null ? 0 : 3 + Encoding.UTF8.GetByteCount(message.ResponseTopic);
        size += message.CorrelationData is null ? 0 : 3 + message.CorrelationData.Length;
        return size;
    }

    private static (IPAddress V4, IPAddress V6) Addresses(string? bind)
    {
        if (bind is null or "0.0.0.0" or "::" or "*")
        {
            return (IPAddress.Any, bind == "0.0.0.0" ? IPAddress.None : IPAddress.IPv6Any);
        }

        if (bind == "localhost")
        {
            return (IPAddress.Loopback, IPAddress.None);
        }

        var address = IPAddress.Parse(bind);
        return address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? (IPAddress.None, address) : (address, IPAddress.None);
    }

    /// <summary>PEM certificate and key, re-exported as PKCS#12 so SslStream can use the key on every platform.</summary>
    public static X509Certificate2 LoadCertificate(string certFile, string keyFile)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    private static string Protocol(MQTTnet.Formatter.MqttProtocolVersion version) => version switch
    {
        MQTTnet.Formatter.MqttProtocolVersion.V500 => "5",
        MQTTnet.Formatter.MqttProtocolVersion.V311 => "4",
        _ => "3",
    };

    private void Log(string message)
    {
        lock (_log)
        {
            _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.Now:yyyy-MM-ddTHH:mm:ss}: {message}"));
            _log.Flush();
        }
    }
}
