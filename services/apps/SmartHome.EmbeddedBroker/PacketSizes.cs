using MQTTnet.Formatter;
using MQTTnet.Packets;

namespace SmartHome.EmbeddedBroker;

/// <summary>
/// Packet sizes measured the way Mosquitto 2.0.11 measures them, from the packet MQTTnet would put on the wire.
/// Mosquitto's two checks use different sums, and a client can observe the difference at the edge, so both are kept:
/// inbound (lib/packet_mosq.c, packet__read) refuses when <c>remaining_length + 1 &gt; max_packet_size</c>; outbound
/// (packet__check_oversize) drops when <c>remaining_length + varint_bytes(remaining_length) &gt; client maximum</c>.
/// </summary>
public static class PacketSizes
{
    /// <summary>The sum Mosquitto compares with its own max_packet_size for a packet it receives.</summary>
    public static long InboundMeasure(MqttPacket packet, MqttProtocolVersion version)
    {
        var remaining = RemainingLength(packet, version);
        return remaining + 1;
    }

    /// <summary>The sum Mosquitto compares with a client's Maximum Packet Size before sending it a PUBLISH.</summary>
    public static long OutboundMeasure(MqttPacket packet, MqttProtocolVersion version)
    {
        var remaining = RemainingLength(packet, version);
        return remaining + VarintBytes(remaining);
    }

    private static long RemainingLength(MqttPacket packet, MqttProtocolVersion version)
    {
        // A fresh formatter per call: MQTTnet's writers are not thread-safe and this runs on every client's loop.
        var formatter = new MqttPacketFormatterAdapter(version, new MqttBufferWriter(4096, 65536));
        long total;
        try
        {
            total = formatter.Encode(packet).Length;
        }
        catch (MQTTnet.Exceptions.MqttProtocolViolationException)
        {
            // Not encodable as it stands (MQTTnet refuses it on the way out as well): nothing to measure.
            return 0;
        }

        for (var bytes = 1; bytes <= 4; bytes++)
        {
            var remaining = total - 1 - bytes;
            if (VarintBytes(remaining) == bytes)
            {
                return remaining;
            }
        }

        return total - 5;
    }

    private static int VarintBytes(long value) => value switch
    {
        < 128 => 1,
        < 16_384 => 2,
        < 2_097_152 => 3,
        _ => 4,
    };
}
