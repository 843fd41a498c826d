namespace SmartHome.Actuator;

/// <summary>
/// Drops the second copy of a reading that was delivered twice by the transport, by its message id.
/// </summary>
/// <remarks>
/// QoS 1 is at-least-once: when a broker dies between forwarding a reading and acknowledging it, the sender
/// publishes it again (flagged as a retransmission) and the broker may redeliver its own queue (MQTT DUP).
/// A copy counts as a redelivery only if one of the two copies was flagged so: two unflagged copies of one id are
/// not something the sender ever does, they are a replay, and stopping replays is the secure pipeline's job
/// (its replay window runs before this filter); the insecure pipeline stays replayable on purpose.
/// Memory is bounded: the newest <see cref="Capacity"/> applied ids are remembered, older ones are forgotten.
/// </remarks>
public sealed class RedeliveryFilter(int capacity = RedeliveryFilter.DefaultCapacity)
{
    /// <summary>Redeliveries come within seconds of the original; at 1,000 readings/s this covers ~4 s.</summary>
    public const int DefaultCapacity = 4096;

    private readonly Dictionary<string, bool> _appliedFlagged = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly Lock _gate = new();

    public int Capacity { get; } = capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity));

    /// <summary>
    /// True when <paramref name="messageId"/> was already applied and this copy or the applied one was flagged as a
    /// redelivery; otherwise records the id as applied now (the caller applies it) and returns false.
    /// </summary>
    public bool IsRedelivery(string messageId, bool flaggedAsRedelivery)
    {
        lock (_gate)
        {
            if (_appliedFlagged.TryGetValue(messageId, out var appliedWasFlagged))
            {
                // An unflagged copy of an unflagged id is a replay, applied like any reading on this pipeline.
                return flaggedAsRedelivery || appliedWasFlagged;
            }

            if (_order.Count == Capacity)
            {
                _appliedFlagged.Remove(_order.Dequeue());
            }

            _order.Enqueue(messageId);
            _appliedFlagged[messageId] = flaggedAsRedelivery;
            return false;
        }
    }
}
