using System.Buffers;

namespace SmartHome.EmbeddedBroker;

/// <summary>
/// Marks a QoS 1/2 message DUP when it is sent again to a client that did not acknowledge it, as MQTT asks (MQTT 5
/// §3.3.1.1) and Mosquitto does. MQTTnet.Server keeps a persistent session's unacknowledged messages and sends them on
/// the client's next connection without the mark and under a new packet identifier; a receiver that tells a redelivery
/// from a new message by that mark (the insecure actuator, which has no replay defence) would act on it twice. So a
/// message sent on an earlier connection of the client and not acknowledged there is recognised by topic and payload.
/// </summary>
public sealed class RedeliveryMarks
{
    private readonly Dictionary<string, ClientMarks> _clients = new(StringComparer.Ordinal);

    /// <summary>A connection of <paramref name="clientId"/> begins; a clean start drops what its old session had unacknowledged.</summary>
    public void Connected(string clientId, bool cleanStart)
    {
        lock (_clients)
        {
            if (cleanStart || !_clients.TryGetValue(clientId, out var marks))
            {
                _clients[clientId] = new ClientMarks();
                return;
            }

            marks.Generation++;
        }
    }

    /// <summary>Notes a QoS 1/2 PUBLISH going to <paramref name="clientId"/>; true when it is a message an earlier connection left unacknowledged.</summary>
    public bool Sending(string clientId, ushort packetIdentifier, string topic, ReadOnlySequence<byte> payload)
    {
        lock (_clients)
        {
            if (!_clients.TryGetValue(clientId, out var marks))
            {
                _clients[clientId] = marks = new ClientMarks();
            }

            var bytes = payload.ToArray();
            var earlier = marks.Unacknowledged.FindIndex(m => m.Generation < marks.Generation
                && string.Equals(m.Topic, topic, StringComparison.Ordinal) && m.Payload.AsSpan().SequenceEqual(bytes));
            if (earlier >= 0)
            {
                marks.Unacknowledged.RemoveAt(earlier);
            }

            marks.Unacknowledged.RemoveAll(m => m.Generation == marks.Generation && m.PacketIdentifier == packetIdentifier);
            marks.Unacknowledged.Add(new Sent(marks.Generation, packetIdentifier, topic, bytes));
            return earlier >= 0;
        }
    }

    /// <summary>The client acknowledged packet <paramref name="packetIdentifier"/> of its current connection (or the broker gave it up).</summary>
    public void Acknowledged(string clientId, ushort packetIdentifier)
    {
        lock (_clients)
        {
            if (_clients.TryGetValue(clientId, out var marks))
            {
                marks.Unacknowledged.RemoveAll(m => m.Generation == marks.Generation && m.PacketIdentifier == packetIdentifier);
            }
        }
    }

    /// <summary>The client's session ended (expiry): nothing of it is sent again.</summary>
    public void Forget(string clientId)
    {
        lock (_clients)
        {
            _clients.Remove(clientId);
        }
    }

    private sealed class ClientMarks
    {
        public int Generation { get; set; }

        public List<Sent> Unacknowledged { get; } = [];
    }

    private sealed record Sent(int Generation, ushort PacketIdentifier, string Topic, byte[] Payload);
}
