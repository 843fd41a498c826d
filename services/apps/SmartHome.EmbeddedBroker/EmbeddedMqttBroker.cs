using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Reflection;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using SmartHome.EmbeddedBroker.Persistence;

namespace SmartHome.EmbeddedBroker;

/// <summary>
/// An MQTTnet.Server broker that behaves like Mosquitto 2.0.11 with the same mosquitto.conf, password file and ACL:
/// refused logins get CONNACK 0x87 (Not authorized), a denied publish gets PUBACK 0x87, a subscription is always
/// granted and read access is checked for every message delivered (live, queued and retained), exactly as measured
/// against /usr/sbin/mosquitto. Sessions, queued QoS 1 messages and retained messages live in memory and, with
/// <c>persistence true</c>, are saved every <c>autosave_interval</c> seconds and on a clean stop, and restored at start
/// (Persistence/).
/// Where MQTTnet.Server's own MQTT 5 behaviour differs from Mosquitto 2.0.11 (empty client ids on MQTT 3.1.1, CONNACK
/// limits, session and message expiry, topic alias limits, packet size limits, receive maximum, shared subscriptions)
/// the interceptors below make it answer like Mosquitto; each rule names the Mosquitto source it follows.
/// </summary>
public sealed class EmbeddedMqttBroker : IAsyncDisposable
{
    // MQTTnet 5.2 exposes the CONNECT packet's client id read-only; use_username_as_clientid needs to replace it
    // before the session is looked up, as mosquitto does.
    private static readonly FieldInfo? ConnectPacketField =
        typeof(ValidatingConnectionEventArgs).GetField("_connectPacket", BindingFlags.Instance | BindingFlags.NonPublic);

    // A PUBLISH the broker decides not to send (ACL, expired, too large for the client) stays in MQTTnet's list of
    // unacknowledged packets and would be re-sent on every reconnect; Mosquitto forgets it. MQTTnet 5.2 reaches the
    // session only through MqttSessionStatus.
    private static readonly FieldInfo? SessionField =
        typeof(MqttSessionStatus).GetField("_session", BindingFlags.Instance | BindingFlags.NonPublic);

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

    // Client id -> what its current connection asked for in CONNECT.
    private readonly ConcurrentDictionary<string, ConnectionState> _connections = new(StringComparer.Ordinal);

    private readonly SharedSubscriptions _shared = new();
    private readonly RedeliveryMarks _redelivery = new();
    private readonly SessionExpiryTimers _sessionExpiry;

    // Persistence (conf.Persistence): what the store needs that MQTTnet does not expose, the restore of stored sessions,
    // the store read at start, and the periodic save.
    private readonly SessionLedger _ledger = new();
    private readonly SessionRestorer _restorer = new();
    private readonly SemaphoreSlim _saving = new(1, 1);
    private readonly CancellationTokenSource _stopAutosave = new();
    private BrokerStore _store = BrokerStore.Empty;
    private Task _autosave = Task.CompletedTask;

    // True while stored sessions are being restored: the listener is already open (the restore connects through it), but
    // a client's own connection must not race its restored session, so it is refused as "server unavailable" until done.
    private volatile bool _restoring;

    /// <summary>One connection's CONNECT choices and per-connection state (topic aliases, outbound window).</summary>
    private sealed class ConnectionState(MQTTnet.Formatter.MqttProtocolVersion version, uint maximumPacketSize, uint sessionExpiry, OutboundFlowWindow? window)
    {
        public MQTTnet.Formatter.MqttProtocolVersion Version { get; } = version;

        /// <summary>0: the client set no limit.</summary>
        public uint MaximumPacketSize { get; } = maximumPacketSize;

        public uint SessionExpiry { get; } = sessionExpiry;

        public OutboundFlowWindow? Window { get; } = window;

        public Dictionary<ushort, string> TopicAliases { get; } = [];
    }

    private EmbeddedMqttBroker(MosquittoConf conf, TextWriter log)
    {
        _conf = conf;
        _log = log;
        _passwords = conf.PasswordFile is null ? null : PasswordFile.Load(conf.PasswordFile);
        _acl = conf.AclFile is null ? null : AclRules.Load(conf.AclFile);
        _sessionExpiry = new SessionExpiryTimers(ExpireSessionAsync);

        var factory = new MqttServerFactory();
        var options = factory.CreateServerOptionsBuilder()
            .WithPersistentSessions()
            .WithMaxPendingMessagesPerClient(Math.Max(1, conf.MaxQueuedMessages))
            .WithPendingMessagesOverflowStrategy(MqttPendingMessagesOverflowStrategy.DropNewMessage)
            // One write per packet to each subscriber (MQTTnet's default writes header and payload in two send calls).
            .WithoutPacketFragmentation();
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

        _server = factory.CreateMqttServer(options.Build(), [new EmptyClientIdGuard()]);
        _server.ValidatingConnectionAsync += ValidateAsync;
        _server.ClientConnectedAsync += e =>
        {
            Log($"New client connected from {e.RemoteEndPoint} as {e.ClientId} (p{Protocol(e.ProtocolVersion)}, u'{e.UserName}').");
            return Task.CompletedTask;
        };
        _server.ClientDisconnectedAsync += e =>
        {
            Log(e.DisconnectType == MqttClientDisconnectType.Clean ? $"Client {e.ClientId} disconnected." : $"Client {e.ClientId} closed its connection.");
            if (e.DisconnectType != MqttClientDisconnectType.Takeover && _connections.TryGetValue(e.ClientId, out var state)
                && state.Version == MQTTnet.Formatter.MqttProtocolVersion.V500)
            {
                // A DISCONNECT's Session Expiry Interval replaces the CONNECT's (MQTTnet reads an absent one as 0, so do we).
                _sessionExpiry.Start(e.ClientId, e.SessionExpiryInterval != 0 ? e.SessionExpiryInterval : state.SessionExpiry);
            }

            return Task.CompletedTask;
        };
        _server.SessionDeletedAsync += e =>
        {
            _ledger.Forget(e.Id);
            _users.TryRemove(e.Id, out _);
            _connections.TryRemove(e.Id, out _);
            _shared.Forget(e.Id);
            _redelivery.Forget(e.Id);
            return Task.CompletedTask;
        };
        _server.InterceptingPublishAsync += InterceptPublishAsync;
        _server.InterceptingSubscriptionAsync += e =>
        {
            Log($"Received SUBSCRIBE from {e.ClientId}: {e.TopicFilter.Topic} (QoS {(int)e.TopicFilter.QualityOfServiceLevel})");
            return Task.CompletedTask;
        };
        _server.InterceptingInboundPacketAsync += InterceptInboundAsync;

        // Live and queued messages: never enqueued for a receiver without read access, and for a shared subscription
        // only for the group member whose turn it is.
        _server.InterceptingClientEnqueueAsync += e =>
        {
            var shared = _shared.Accepts(e.ReceiverClientId, e.ApplicationMessage);
            e.AcceptEnqueue = shared && MayRead(e.ReceiverClientId, _users.GetValueOrDefault(e.ReceiverClientId), e.ApplicationMessage.Topic);
            return Task.CompletedTask;
        };

        _server.InterceptingOutboundPacketAsync += InterceptOutboundAsync;
        if (conf.Persistence)
        {
            _server.ClientSubscribedTopicAsync += e =>
            {
                _ledger.Subscribed(e.ClientId, e.TopicFilter);
                return Task.CompletedTask;
            };
            _server.ClientUnsubscribedTopicAsync += e =>
            {
                _ledger.Unsubscribed(e.ClientId, e.TopicFilter);
                return Task.CompletedTask;
            };
            _server.LoadingRetainedMessageAsync += e =>
            {
                e.LoadedRetainedMessages = [.. _store.Retained.Select(m => m.ToMessage())];
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
        if (conf.Persistence)
        {
            // Like mosquitto: a store that cannot be read stops the start (FormatException, IOException).
            broker._store = BrokerStore.Load(conf.PersistencePath);
            broker._restoring = broker._store.Sessions.Count > 0;
        }

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
        if (conf.Persistence)
        {
            await broker.RestoreAsync().ConfigureAwait(false);
        }

        broker.Log("SmartHome embedded broker running");
        return broker;
    }

    /// <summary>Restores the stored sessions, then saves every <c>autosave_interval</c> seconds until stopped.</summary>
    private async Task RestoreAsync()
    {
        var host = _conf.BindAddress is null or "0.0.0.0" or "*" or "localhost" ? "127.0.0.1" : _conf.BindAddress is "::" ? "::1" : _conf.BindAddress;
        int queued;
        try
        {
            queued = await _restorer.RestoreAsync(_server, host, _conf.Port, _conf.UseTls, _store.Sessions).ConfigureAwait(false);
        }
        finally
        {
            _restoring = false;
        }

        Log($"Restored {_store.Sessions.Count} persistent sessions, {queued} queued messages and {_store.Retained.Count} retained messages" +
            $" from {_conf.PersistencePath}.");
        if (_conf.AutosaveOnChanges)
        {
            Log("Warning: autosave_on_changes is not supported by the embedded broker; autosave_interval is read as seconds.");
        }

        if (_conf.AutosaveInterval > 0)
        {
            _autosave = AutosaveAsync(TimeSpan.FromSeconds(_conf.AutosaveInterval), _stopAutosave.Token);
        }
    }

    private async Task AutosaveAsync(TimeSpan interval, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                await SaveAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    /// <summary>Writes retained messages and persistent sessions to the store (new file, flushed, renamed over the old one).</summary>
    public async Task SaveAsync()
    {
        if (!_conf.Persistence)
        {
            return;
        }

        await _saving.WaitAsync().ConfigureAwait(false);
        try
        {
            var store = await SessionSnapshot.TakeAsync(_server, _ledger, TimeProvider.System).ConfigureAwait(false);
            store.Save(_conf.PersistencePath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Log($"Error saving in-memory database to {_conf.PersistencePath}: {ex.Message}");
        }
        finally
        {
            _saving.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Log("SmartHome embedded broker terminating");
        await _stopAutosave.CancelAsync().ConfigureAwait(false);
        await _autosave.ConfigureAwait(false);
        if (_conf.Persistence && _server.IsStarted)
        {
            Log($"Saving in-memory database to {_conf.PersistencePath}.");
            await SaveAsync().ConfigureAwait(false);
        }

        await _server.StopAsync(new MqttServerStopOptions()).ConfigureAwait(false);
        // After the stop: stopping disconnects every client, which starts expiry timers that must not outlive the server.
        await _sessionExpiry.DisposeAsync().ConfigureAwait(false);
        _server.Dispose();
        _certificate?.Dispose();
        _stopAutosave.Dispose();
        _saving.Dispose();
    }

    private async Task ValidateAsync(ValidatingConnectionEventArgs e)
    {
        var who = string.IsNullOrEmpty(e.ClientId) ? e.RemoteEndPoint?.ToString() : e.ClientId;
        Log($"New connection from {e.RemoteEndPoint} on port {_conf.Port}.");
        if (_restorer.IsRestoreConnection(e, out var restoredUser))
        {
            // The broker itself re-creating a stored session at start (see SessionRestorer).
            _connections[e.ClientId] = new ConnectionState(e.ProtocolVersion, 0, e.SessionExpiryInterval, null);
            _users[e.ClientId] = restoredUser;
            _ledger.Connected(e.ClientId, restoredUser, e.SessionExpiryInterval, cleanStart: false);
            e.ReasonCode = MqttConnectReasonCode.Success;
            return;
        }

        if (_restoring)
        {
            e.ReasonCode = MqttConnectReasonCode.ServerUnavailable;
            Log($"Sending CONNACK to {who} (0, 136): stored sessions are being restored.");
            return;
        }

        var assigned = false;
        if (string.IsNullOrEmpty(e.ClientId))
        {
            // Mosquitto 2.0.11 (handle_connect.c) judges an empty id while reading CONNECT, before the login: MQTT 3.1,
            // and MQTT 3.1.1 with clean session false, get "identifier rejected" (CONNACK 2); MQTT 3.1.1 with clean
            // session and MQTT 5 (clean start or not) get "auto-<UUID>", MQTT 5 also as Assigned Client Identifier.
            if (e.ProtocolVersion == MQTTnet.Formatter.MqttProtocolVersion.V310 ||
                (e.ProtocolVersion == MQTTnet.Formatter.MqttProtocolVersion.V311 && e.CleanSession != true))
            {
                e.ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid;
                Log($"Sending CONNACK to {who} (0, 2)");
                return;
            }

            // MQTTnet 5.2 assigns e.AssignedClientIdentifier to the session for MQTT 5 only and answers an empty MQTT 3.1.1
            // id with CONNACK 2 itself; the id must be in the CONNECT packet before MQTTnet looks at it.
            e.AssignedClientIdentifier = "auto-" + Guid.NewGuid().ToString("D").ToUpperInvariant();
            ConnectPacket(e).ClientId = e.AssignedClientIdentifier;
            assigned = true;
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
            return;
        }

        var clientId = e.ClientId;
        if (_conf.UseUsernameAsClientId && e.UserName is not null)
        {
            ConnectPacket(e).ClientId = e.UserName;
            clientId = e.UserName;
            if (assigned)
            {
                // Mosquitto replaces its generated id by the username and still reports it as assigned.
                e.AssignedClientIdentifier = e.UserName;
            }
        }

        // A reconnect keeps its session alive, or waits until an expiry already under way has removed it.
        await _sessionExpiry.StopAsync(clientId).ConfigureAwait(false);
        if (e.CleanSession == true)
        {
            // MQTTnet replaces the old session without a SessionDeleted event.
            _shared.Forget(clientId);
        }

        _redelivery.Connected(clientId, e.CleanSession == true);

        // Outbound window: the client's Receive Maximum, else (MQTT 3.1.1, or none sent) max_inflight_messages.
        int window = e.ReceiveMaximum > 0 ? e.ReceiveMaximum : _conf.MaxInflightMessages;
        var v5 = e.ProtocolVersion == MQTTnet.Formatter.MqttProtocolVersion.V500;
        _connections[clientId] = new ConnectionState(e.ProtocolVersion, v5 ? e.MaximumPacketSize : 0, v5 ? e.SessionExpiryInterval : 0,
            window > 0 ? new OutboundFlowWindow(window) : null);
        _users[clientId] = e.UserName;
        // Persistent: MQTT 5 for its Session Expiry Interval, MQTT 3.1.1 without clean session for ever (as in Mosquitto).
        var clean = e.CleanSession == true;
        _ledger.Connected(clientId, e.UserName, v5 ? e.SessionExpiryInterval : clean ? 0 : uint.MaxValue, clean);
        e.ReasonCode = MqttConnectReasonCode.Success;
    }

    private static MqttConnectPacket ConnectPacket(ValidatingConnectionEventArgs e) =>
        ConnectPacketField?.GetValue(e) as MqttConnectPacket
        ?? throw new InvalidOperationException("MQTTnet's CONNECT packet is not reachable (MQTTnet version changed?).");

    private Task InterceptPublishAsync(InterceptingPublishEventArgs e)
    {
        var message = e.ApplicationMessage;
        MessageExpiry.Stamp(message, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        if (_acl is not null && e.ClientId is not null && e.ClientId != BrokerSenderId && !_acl.IsAllowed(e.UserName, e.ClientId, message.Topic, AclAccess.Write))
        {
            e.ProcessPublish = false;
            e.Response.ReasonCode = MqttPubAckReasonCode.NotAuthorized;
            Log($"Denied PUBLISH from {e.ClientId} {Describe(message)}");
        }

        return Task.CompletedTask;
    }

    private async Task InterceptInboundAsync(InterceptingPacketEventArgs e)
    {
        var state = _connections.GetValueOrDefault(e.ClientId);
        var version = state?.Version ?? MQTTnet.Formatter.MqttProtocolVersion.V500;
        if (_conf.MaxPacketSize > 0 && PacketSizes.InboundMeasure(e.Packet, version) > _conf.MaxPacketSize)
        {
            // lib/packet_mosq.c: remaining length + 1 above max_packet_size: MQTT 5 gets DISCONNECT 0x95, then the connection closes.
            e.ProcessPacket = false;
            Log($"Client {e.ClientId} sent a packet above max_packet_size {_conf.MaxPacketSize}, disconnecting.");
            await DisconnectAsync(e.ClientId, MqttDisconnectReasonCode.PacketTooLarge).ConfigureAwait(false);
            return;
        }

        switch (e.Packet)
        {
            case MqttPublishPacket { TopicAlias: > 0 } publish:
                if (!TopicAliasAccepted(publish, state, out var reason))
                {
                    e.ProcessPacket = false;
                    Log($"Client {e.ClientId} sent an invalid topic alias {publish.TopicAlias}, disconnecting.");
                    await DisconnectAsync(e.ClientId, reason).ConfigureAwait(false);
                }

                break;
            case MqttPubAckPacket ack:
                state?.Window?.Leave(ack.PacketIdentifier);
                _redelivery.Acknowledged(e.ClientId, ack.PacketIdentifier);
                break;
            case MqttPubCompPacket complete:
                state?.Window?.Leave(complete.PacketIdentifier);
                _redelivery.Acknowledged(e.ClientId, complete.PacketIdentifier);
                break;
            case MqttPubRecPacket received when (int)received.ReasonCode >= 0x80:
                state?.Window?.Leave(received.PacketIdentifier);
                _redelivery.Acknowledged(e.ClientId, received.PacketIdentifier);
                break;
            case MqttSubscribePacket subscribe:
                _shared.OnSubscribe(e.ClientId, subscribe);
                break;
            case MqttUnsubscribePacket unsubscribe:
                _shared.OnUnsubscribe(e.ClientId, unsubscribe);
                break;
        }
    }

    /// <summary>
    /// handle_publish.c: an alias above the advertised Topic Alias Maximum is "Topic Alias invalid" (0x94); an alias
    /// with no topic that was never set is a protocol error (0x82). MQTTnet would route the latter to the empty topic.
    /// </summary>
    private bool TopicAliasAccepted(MqttPublishPacket publish, ConnectionState? state, out MqttDisconnectReasonCode reason)
    {
        reason = MqttDisconnectReasonCode.TopicAliasInvalid;
        if (publish.TopicAlias > _conf.MaxTopicAlias)
        {
            return false;
        }

        if (state is null)
        {
            return true;
        }

        lock (state.TopicAliases)
        {
            if (!string.IsNullOrEmpty(publish.Topic))
            {
                state.TopicAliases[publish.TopicAlias] = publish.Topic;
                return true;
            }

            reason = MqttDisconnectReasonCode.ProtocolError;
            return state.TopicAliases.ContainsKey(publish.TopicAlias);
        }
    }

    private async Task InterceptOutboundAsync(InterceptingPacketEventArgs e)
    {
        if (e.Packet is MqttConnAckPacket { ReasonCode: MqttConnectReasonCode.Success } connAck)
        {
            AdvertiseLimits(connAck);
            return;
        }

        if (e.Packet is not MqttPublishPacket publish)
        {
            return;
        }

        var state = _connections.GetValueOrDefault(e.ClientId);
        string? drop = null;
        if (!MayRead(e.ClientId, e.UserName, publish.Topic))
        {
            // Retained messages handed over on SUBSCRIBE bypass the enqueue interceptor: check every outgoing PUBLISH too.
            drop = "no read access";
        }
        else if (!MessageExpiry.PrepareForSending(publish, DateTimeOffset.UtcNow.ToUnixTimeSeconds()))
        {
            drop = "message expired";
        }
        else if (state is { MaximumPacketSize: > 0 } && PacketSizes.OutboundMeasure(publish, state.Version) > state.MaximumPacketSize)
        {
            // lib/send_publish.c: a PUBLISH above the client's Maximum Packet Size is dropped, the client stays connected.
            drop = $"too large for the client's maximum packet size {state.MaximumPacketSize}";
        }

        if (drop is not null)
        {
            e.ProcessPacket = false;
            if (drop != "no read access")
            {
                Log($"Dropping outgoing PUBLISH for {e.ClientId} ('{publish.Topic}'): {drop}.");
            }

            if (publish.QualityOfServiceLevel > MqttQualityOfServiceLevel.AtMostOnce)
            {
                await ForgetUnacknowledgedAsync(e.ClientId, publish.PacketIdentifier).ConfigureAwait(false);
            }

            return;
        }

        if (publish.QualityOfServiceLevel > MqttQualityOfServiceLevel.AtMostOnce && _redelivery.Sending(e.ClientId, publish.PacketIdentifier, publish.Topic, publish.Payload))
        {
            publish.Dup = true;
        }

        if (publish.QualityOfServiceLevel > MqttQualityOfServiceLevel.AtMostOnce && state?.Window is { } window)
        {
            // Flow control: hold this PUBLISH until the client has fewer than Receive Maximum unacknowledged.
            await window.EnterAsync(publish.PacketIdentifier, e.CancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The CONNACK limits Mosquitto 2.0.11 sends (send_connack.c, handle_connect.c) instead of MQTTnet's.</summary>
    private void AdvertiseLimits(MqttConnAckPacket connAck)
    {
        connAck.TopicAliasMaximum = (ushort)Math.Clamp(_conf.MaxTopicAlias, 0, ushort.MaxValue);
        connAck.MaximumPacketSize = (uint)Math.Max(0, _conf.MaxPacketSize);
        connAck.ReceiveMaximum = (ushort)Math.Clamp(_conf.MaxInflightMessages, 0, ushort.MaxValue);
        connAck.SharedSubscriptionAvailable = true;
        connAck.SubscriptionIdentifiersAvailable = true;
        connAck.WildcardSubscriptionAvailable = true;
        connAck.RetainAvailable = true;
    }

    private async Task ForgetUnacknowledgedAsync(string clientId, ushort packetIdentifier)
    {
        _redelivery.Acknowledged(clientId, packetIdentifier);
        try
        {
            var status = await _server.GetSessionAsync(clientId).ConfigureAwait(false);
            (SessionField?.GetValue(status) as MQTTnet.Server.Internal.MqttSession)?.AcknowledgePublishPacket(packetIdentifier);
        }
        catch (InvalidOperationException)
        {
            // The session is already gone, and its list with it.
        }
    }

    private async Task DisconnectAsync(string clientId, MqttDisconnectReasonCode reason)
    {
        try
        {
            await _server.DisconnectClientAsync(clientId, new MqttServerClientDisconnectOptions { ReasonCode = reason }).ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private async Task ExpireSessionAsync(string clientId)
    {
        try
        {
            // A reconnect that overtook the old connection's disconnect event owns the session now.
            if ((await _server.GetClientsAsync().ConfigureAwait(false)).Any(c => c.Id == clientId))
            {
                return;
            }

            var status = await _server.GetSessionAsync(clientId).ConfigureAwait(false);
            Log($"Expiring client {clientId} due to timeout.");
            await status.DeleteAsync().ConfigureAwait(false);
        }
        catch (InvalidOperationException)
        {
            // Already gone (clean start elsewhere, server stopping).
        }
    }

    private static string Describe(MqttApplicationMessage message) =>
        $"(d{(message.Dup ? 1 : 0)}, q{(int)message.QualityOfServiceLevel}, r{(message.Retain ? 1 : 0)}, '{message.Topic}', ... ({message.Payload.Length} bytes))";

    private bool MayRead(string clientId, string? username, string topic) =>
        _acl is null || _acl.IsAllowed(username, clientId, topic, AclAccess.Read);

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
