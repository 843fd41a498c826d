using System.Security.Cryptography;
using MQTTnet;
using MQTTnet.Server;

namespace SmartHome.EmbeddedBroker.Persistence;

/// <summary>
/// Makes the stored persistent sessions exist again in a freshly started broker. MQTTnet.Server creates a session only
/// for a connection, so each one is made by a loopback connection with the session's client id, username and expiry,
/// its subscriptions, and a disconnect; its messages are then queued into it. Those connections carry a random
/// one-time token (a CONNECT user property) that <see cref="IsRestoreConnection"/> recognises, so they need no password
/// and nothing outside this process can make one.
/// </summary>
public sealed class SessionRestorer
{
    public const string TokenProperty = "smarthome-restore";

    private readonly byte[] _token = RandomNumberGenerator.GetBytes(32);
    private readonly Dictionary<string, StoredSession> _restoring = new(StringComparer.Ordinal);

    /// <summary>True for a CONNECT made by <see cref="RestoreAsync"/> for a session it is restoring; <paramref name="userName"/> is the session's.</summary>
    public bool IsRestoreConnection(ValidatingConnectionEventArgs e, out string? userName)
    {
        ArgumentNullException.ThrowIfNull(e);
        userName = null;
        var presented = e.UserProperties?.FirstOrDefault(p => p.Name == TokenProperty)?.ValueBuffer;
        lock (_restoring)
        {
            if (presented is not { } token || !CryptographicOperations.FixedTimeEquals(token.Span, _token)
                || !_restoring.TryGetValue(e.ClientId, out var session))
            {
                return false;
            }

            userName = session.UserName;
            return true;
        }
    }

    /// <summary>Restores <paramref name="sessions"/> through the broker listening on <paramref name="port"/>; returns the messages queued again.</summary>
    public async Task<int> RestoreAsync(MqttServer server, string host, int port, bool tls, IEnumerable<StoredSession> sessions)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(sessions);
        var queued = 0;
        foreach (var session in sessions)
        {
            lock (_restoring)
            {
                _restoring[session.ClientId] = session;
            }

            try
            {
                using var client = new MqttClientFactory().CreateMqttClient();
                var options = new MqttClientOptionsBuilder()
                    .WithTcpServer(host, port)
                    .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
                    .WithClientId(session.ClientId)
                    .WithCleanStart(false)
                    .WithSessionExpiryInterval(session.ExpiryInterval)
                    .WithUserProperty(TokenProperty, _token.AsMemory());
                if (session.UserName is not null)
                {
                    options.WithCredentials(session.UserName, (byte[]?)null);
                }

                if (tls)
                {
                    // Our own listener on loopback: the restore only needs the encrypted channel, not the server's identity.
                    options.WithTlsOptions(o => o.UseTls().WithCertificateValidationHandler(_ => true));
                }

                await client.ConnectAsync(options.Build()).ConfigureAwait(false);
                if (session.Subscriptions.Count > 0)
                {
                    var subscribe = new MqttClientSubscribeOptionsBuilder();
                    foreach (var subscription in session.Subscriptions)
                    {
                        subscribe.WithTopicFilter(subscription.ToFilter());
                    }

                    await client.SubscribeAsync(subscribe.Build()).ConfigureAwait(false);
                }

                await client.DisconnectAsync().ConfigureAwait(false);
            }
            finally
            {
                lock (_restoring)
                {
                    _restoring.Remove(session.ClientId);
                }
            }

            var status = await server.GetSessionAsync(session.ClientId).ConfigureAwait(false);
            foreach (var message in session.Pending)
            {
                // A message queued before the crash may already have reached the subscriber: MQTT 5 (4.4) resends it on
                // the resumed session with DUP set, as Mosquitto does, so a receiver can tell a redelivery from a replay.
                var redelivery = message.ToMessage();
                redelivery.Dup = true;
                if (status.TryEnqueueApplicationMessage(redelivery, out _))
                {
                    queued++;
                }
            }
        }

        return queued;
    }
}
