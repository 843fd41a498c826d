namespace SmartHome.EmbeddedBroker;

/// <summary>
/// One connection's outbound QoS 1/2 window (MQTT 5 flow control, Mosquitto's msgs_out.inflight_maximum): at most
/// <c>maximum</c> PUBLISH packets sent and not yet acknowledged (PUBACK, PUBCOMP, or a failing PUBREC). MQTTnet.Server
/// sends everything at once, so the broker holds each further PUBLISH back until an acknowledgement frees a slot.
/// </summary>
public sealed class OutboundFlowWindow : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly HashSet<ushort> _inFlight = [];

    public OutboundFlowWindow(int maximum)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maximum, 1);
        _slots = new SemaphoreSlim(maximum, maximum);
    }

    /// <summary>Waits for a free slot for packet <paramref name="packetIdentifier"/>; a DUP re-send of a packet already in flight takes none.</summary>
    public async Task EnterAsync(ushort packetIdentifier, CancellationToken cancellationToken)
    {
        lock (_inFlight)
        {
            if (_inFlight.Contains(packetIdentifier))
            {
                return;
            }
        }

        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_inFlight)
        {
            if (!_inFlight.Add(packetIdentifier))
            {
                _slots.Release();
            }
        }
    }

    /// <summary>The client acknowledged <paramref name="packetIdentifier"/>; an identifier not in flight frees nothing.</summary>
    public void Leave(ushort packetIdentifier)
    {
        lock (_inFlight)
        {
            if (_inFlight.Remove(packetIdentifier))
            {
                _slots.Release();
            }
        }
    }

    public void Dispose() => _slots.Dispose();
}
