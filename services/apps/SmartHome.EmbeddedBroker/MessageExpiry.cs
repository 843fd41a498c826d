using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using MQTTnet;
using MQTTnet.Packets;

namespace SmartHome.EmbeddedBroker;

/// <summary>
/// MQTT 5 Message Expiry as Mosquitto 2.0.11 does it (database.c): the absolute expiry second is fixed when the broker
/// receives the PUBLISH; a queued or retained copy is not delivered once that second has passed, and a delivered copy
/// carries the remaining whole seconds. MQTTnet.Server forwards the original interval unchanged and never drops, so
/// the absolute time rides along inside the message as a user property no client can send (MQTT strings cannot hold
/// U+0000) and is removed before any packet leaves the broker.
/// </summary>
public static class MessageExpiry
{
    private const string StampName = "\0smarthome-expires-at";

    // A QoS 1/2 packet is re-sent (DUP) as the same object after a reconnect; its stamp was stripped on the first send.
    private static readonly ConditionalWeakTable<MqttPublishPacket, StrongBox<long>> Sent = new();

    /// <summary>Inbound: drop any forged stamp, add ours when the publisher asked for expiry.</summary>
    public static void Stamp(MqttApplicationMessage message, long nowSeconds)
    {
        ArgumentNullException.ThrowIfNull(message);
        var properties = message.UserProperties?.Where(p => p.Name != StampName).ToList();
        if (message.MessageExpiryInterval > 0)
        {
            properties ??= [];
            var expiresAt = new byte[sizeof(long)];
            BinaryPrimitives.WriteInt64BigEndian(expiresAt, nowSeconds + message.MessageExpiryInterval);
            properties.Add(new MqttUserProperty(StampName, new ReadOnlyMemory<byte>(expiresAt)));
        }

        message.UserProperties = properties is { Count: > 0 } ? properties : null;
    }

    /// <summary>
    /// Outbound: strips the stamp and sets the remaining interval. False when the message expired (Mosquitto: now &gt;
    /// expiry second) and must not be sent.
    /// </summary>
    public static bool PrepareForSending(MqttPublishPacket packet, long nowSeconds)
    {
        ArgumentNullException.ThrowIfNull(packet);
        long? expiresAt = null;
        var stamp = packet.UserProperties?.FirstOrDefault(p => p.Name == StampName);
        if (stamp is not null)
        {
            expiresAt = BinaryPrimitives.ReadInt64BigEndian(stamp.ValueBuffer.Span);
            // A new list: the original is shared with every other subscriber's copy and the retained store.
            var rest = packet.UserProperties!.Where(p => p.Name != StampName).ToList();
            packet.UserProperties = rest.Count > 0 ? rest : null;
            Sent.AddOrUpdate(packet, new StrongBox<long>(expiresAt.Value));
        }
        else if (Sent.TryGetValue(packet, out var box))
        {
            expiresAt = box.Value;
        }

        if (expiresAt is null)
        {
            return true;
        }

        if (nowSeconds > expiresAt.Value)
        {
            return false;
        }

        packet.MessageExpiryInterval = (uint)(expiresAt.Value - nowSeconds);
        return true;
    }
}
