namespace SmartHome.Sensor;

/// <summary>
/// Per device: when the actuator last acknowledged one of its readings, and the newest send it has acknowledged (in the
/// outbox's send order). The broker and the actuator keep one device's readings in order, so while a device's
/// acknowledgements keep coming and none of them is for a reading sent after a pending one, that reading is queued behind
/// them, not lost. Sending it again then only lengthens the queue of a pipeline that is already behind: under overload
/// every reading would come due and be sent twice (congestion collapse, measured in docs/RESULTS.md). Not thread-safe:
/// <see cref="SensorOutbox"/> calls it under its lock.
/// </summary>
internal sealed class AckProgress(long quietMs)
{
    private readonly Dictionary<string, (long LastAckMs, long NewestAckedSend)> _devices = new(StringComparer.Ordinal);

    /// <summary>Notes the acknowledgement of a reading whose last send was number <paramref name="send"/>.</summary>
    public void Acknowledged(string deviceId, long send, long nowMs)
    {
        var newest = _devices.TryGetValue(deviceId, out var known) ? Math.Max(known.NewestAckedSend, send) : send;
        _devices[deviceId] = (nowMs, newest);
    }

    /// <summary>
    /// True when <paramref name="entry"/>, past its retransmission time, is most likely still queued: it was sent, its device
    /// had an acknowledgement within the quiet time, and no acknowledged reading was sent after it. Then
    /// <paramref name="recheckAtMs"/> is when its device would count as quiet.
    /// </summary>
    public bool StillQueued(OutboxEntry entry, long nowMs, out long recheckAtMs)
    {
        recheckAtMs = 0;
        if (entry.LastSend == 0 || !_devices.TryGetValue(entry.DeviceId, out var device)
            || device.NewestAckedSend > entry.LastSend || nowMs - device.LastAckMs >= quietMs)
        {
            return false;
        }

        recheckAtMs = device.LastAckMs + quietMs;
        return true;
    }
}
