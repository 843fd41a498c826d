using System.Reflection;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace SmartHome.EmbeddedBroker.Persistence;

/// <summary>
/// Reads what the running broker holds into a <see cref="BrokerStore"/>: retained messages (not the broker's own $SYS
/// ones) and, for every persistent session, the QoS 1/2 messages it has not acknowledged (queued or in flight, oldest
/// first). MQTTnet 5.2 keeps those in the session's list of unacknowledged PUBLISH packets, reached through reflection
/// (as <see cref="EmbeddedMqttBroker"/> already does to forget one). QoS 0 messages are not kept, as in Mosquitto.
/// </summary>
public static class SessionSnapshot
{
    private static readonly FieldInfo? SessionField =
        typeof(MqttSessionStatus).GetField("_session", BindingFlags.Instance | BindingFlags.NonPublic);

    private static readonly FieldInfo? UnacknowledgedField =
        typeof(MQTTnet.Server.Internal.MqttSession).GetField("_unacknowledgedPublishPackets", BindingFlags.Instance | BindingFlags.NonPublic);

    public static async Task<BrokerStore> TakeAsync(MqttServer server, SessionLedger ledger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(ledger);
        var retained = (await server.GetRetainedMessagesAsync().ConfigureAwait(false))
            .Where(m => !m.Topic.StartsWith("$SYS/", StringComparison.Ordinal))
            .Select(StoredMessage.From)
            .ToList();
        var sessions = new List<StoredSession>();
        foreach (var status in await server.GetSessionsAsync().ConfigureAwait(false))
        {
            if (ledger.Describe(status.Id) is not { } session)
            {
                continue;
            }

            session.Pending.AddRange(Unacknowledged(status).Where(p => p.QualityOfServiceLevel > MqttQualityOfServiceLevel.AtMostOnce)
                .Select(StoredMessage.From));
            sessions.Add(session);
        }

        return new BrokerStore(BrokerStore.CurrentVersion, time.GetUtcNow(), retained, sessions);
    }

    private static List<MqttPublishPacket> Unacknowledged(MqttSessionStatus status)
    {
        var session = SessionField?.GetValue(status) as MQTTnet.Server.Internal.MqttSession
                      ?? throw new InvalidOperationException("MQTTnet's session is not reachable (MQTTnet version changed?).");
        var list = UnacknowledgedField?.GetValue(session) as List<MqttPublishPacket>
                   ?? throw new InvalidOperationException("MQTTnet's unacknowledged packets are not reachable (MQTTnet version changed?).");
        lock (list)
        {
            return [.. list];
        }
    }
}
