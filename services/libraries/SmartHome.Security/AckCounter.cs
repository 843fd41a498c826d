namespace SmartHome.Security;

/// <summary>
/// The actuator's acknowledgement counter: reserved in persisted blocks, so a restarted actuator never reuses one. Every
/// acknowledgement signer of the actuator (v1 and v2) draws from the one counter, so a device's single replay window over
/// the actuator's counter (<see cref="AckReplayGuard"/>) serves both. Thread-safe.
/// </summary>
public sealed class AckCounter
{
    private readonly CounterStore _counters;
    private readonly int _blockSize;
    private readonly Lock _lock = new();
    private ulong _next;
    private ulong _blockEnd;

    /// <param name="senderId">The actuator's identity (its broker account, <c>actuator</c>).</param>
    /// <param name="counters">Where its counter reservations persist.</param>
    /// <param name="blockSize">Counters reserved per durable write.</param>
    public AckCounter(string senderId, CounterStore counters, int blockSize = CounterStore.DefaultBlockSize)
    {
        ArgumentNullException.ThrowIfNull(counters);
        DeviceIds.Require(senderId, nameof(senderId));
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        SenderId = senderId;
        _counters = counters;
        _blockSize = blockSize;
    }

    public string SenderId { get; }

    public ulong Next()
    {
        lock (_lock)
        {
            if (_next == _blockEnd)
            {
                _next = _counters.ReserveBlock(SenderId, _blockSize);
                _blockEnd = _next + (ulong)_blockSize;
            }

            return _next++;
        }
    }
}
