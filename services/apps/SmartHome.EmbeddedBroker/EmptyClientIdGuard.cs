using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;
using MQTTnet.Server.Internal.Adapter;

namespace SmartHome.EmbeddedBroker;

/// <summary>
/// MQTTnet's TCP listener with one change: an MQTT 3.1.1 CONNECT with an empty client id and clean session 0 is
/// answered with CONNACK 2 "identifier rejected", as Mosquitto 2.0.11 does (handle_connect.c), instead of closing the
/// connection silently. MQTTnet 5.2's decoder throws on that CONNECT (MQTT-3.1.3-7) before any interceptor runs, so
/// the answer has to be given at the channel. The channel also sees the refusing CONNACKs that MQTTnet sends past
/// every interceptor: Mosquitto's carry no MQTT 5 properties (send_connack.c adds its limits only below 0x80).
/// </summary>
public sealed class EmptyClientIdGuard : IMqttServerAdapter
{
    private readonly MqttTcpServerAdapter _inner = new();

    public Func<IMqttChannelAdapter, Task> ClientHandler { get; set; } = _ => Task.CompletedTask;

    public Task StartAsync(MqttServerOptions options, IMqttNetLogger logger)
    {
        _inner.ClientHandler = channel => ClientHandler(new GuardedChannel(channel));
        return _inner.StartAsync(options, logger);
    }

    public Task StopAsync() => _inner.StopAsync();

    public void Dispose() => _inner.Dispose();

    private sealed class GuardedChannel(IMqttChannelAdapter inner) : IMqttChannelAdapter
    {
        private bool _connectSeen;

        public long BytesReceived => inner.BytesReceived;

        public long BytesSent => inner.BytesSent;

        public X509Certificate2 ClientCertificate => inner.ClientCertificate;

        public EndPoint RemoteEndPoint => inner.RemoteEndPoint;

        public EndPoint LocalEndPoint => inner.LocalEndPoint;

        public bool IsSecureConnection => inner.IsSecureConnection;

        public MqttPacketFormatterAdapter PacketFormatterAdapter => inner.PacketFormatterAdapter;

        public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

        public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

        public async Task<MqttPacket> ReceivePacketAsync(CancellationToken cancellationToken)
        {
            if (_connectSeen)
            {
                return await inner.ReceivePacketAsync(cancellationToken).ConfigureAwait(false);
            }

            _connectSeen = true;
            try
            {
                return await inner.ReceivePacketAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (MqttProtocolViolationException ex) when (ex.Message.Contains("MQTT-3.1.3-7", StringComparison.Ordinal))
            {
                // The protocol level is known by now (MQTT 3.1.1), so the CONNACK is encoded as a 3.1.1 return code.
                await inner.SendPacketAsync(new MqttConnAckPacket
                {
                    ReturnCode = MqttConnectReturnCode.ConnectionRefusedIdentifierRejected,
                    ReasonCode = MqttConnectReasonCode.ClientIdentifierNotValid,
                }, cancellationToken).ConfigureAwait(false);
                // No CONNECT: MQTTnet closes the connection without a session.
                return null!;
            }
        }

        public void ResetStatistics() => inner.ResetStatistics();

        public Task SendPacketAsync(MqttPacket packet, CancellationToken cancellationToken)
        {
            if (packet is MqttConnAckPacket { ReasonCode: >= MqttConnectReasonCode.UnspecifiedError } refusal)
            {
                // MQTTnet writes Topic Alias Maximum 65535 and Shared Subscription Available 0 even into a refusal.
                refusal.TopicAliasMaximum = 0;
                refusal.SharedSubscriptionAvailable = true;
                refusal.MaximumPacketSize = 0;
                refusal.ReceiveMaximum = 0;
                refusal.AssignedClientIdentifier = null!;
            }

            return inner.SendPacketAsync(packet, cancellationToken);
        }

        public void Dispose() => inner.Dispose();
    }
}
