using System.Threading.Channels;
using SmartHome.Messaging;

namespace SmartHome.Actuator;

/// <summary>
/// Acknowledgements waiting to be published, in the order the readings were judged. Bounded: when the broker is away
/// for long, the oldest are dropped, which costs nothing but a retransmission (the device re-sends what stays
/// unacknowledged, and a second copy of an applied reading is acknowledged again, never applied again).
/// </summary>
public sealed class AckQueue(int capacity = AckQueue.DefaultCapacity)
{
    public const int DefaultCapacity = 65_536;

    private readonly Channel<(string DeviceId, AckEntry Entry)> _channel = Channel.CreateBounded<(string, AckEntry)>(
        new BoundedChannelOptions(Math.Max(1, capacity)) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public ChannelReader<(string DeviceId, AckEntry Entry)> Reader => _channel.Reader;

    public void Enqueue(string deviceId, AckEntry entry) => _channel.Writer.TryWrite((deviceId, entry));
}
