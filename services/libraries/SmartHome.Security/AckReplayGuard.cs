namespace SmartHome.Security;

/// <summary>
/// A device's freshness and replay checks over the actuator's acknowledgement counter, with the highest accepted counter
/// persisted (a restarted device keeps refusing old ones). One guard serves every <see cref="AckVerifier"/> of a process,
/// v1 and v2 alike, as the actuator draws both from one <see cref="AckCounter"/>. Thread-safe.
/// </summary>
public sealed class AckReplayGuard
{
    private readonly ReplayStore _replay;
    private readonly int _slot;
    private readonly TimeProvider _time;
    private readonly long _freshnessMs;
    private readonly Lock _lock = new();
    private ReplayWindow _window;

    /// <param name="actuatorId">The sender id acknowledgements must carry (<c>actuator</c>).</param>
    /// <param name="replayStore">Where the highest accepted counter persists.</param>
    /// <param name="freshness">Accepted clock difference of the acknowledgement's timestamp, either way.</param>
    /// <param name="time">Clock; default <see cref="TimeProvider.System"/>.</param>
    public AckReplayGuard(string actuatorId, ReplayStore replayStore, TimeSpan freshness, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(replayStore);
        DeviceIds.Require(actuatorId, nameof(actuatorId));
        ArgumentOutOfRangeException.ThrowIfLessThan(freshness, TimeSpan.Zero);
        ActuatorId = actuatorId;
        _replay = replayStore;
        _slot = replayStore.OpenSlot(actuatorId, out ulong highest);
        _window = ReplayWindow.Restored(highest);
        _time = time ?? TimeProvider.System;
        _freshnessMs = (long)freshness.TotalMilliseconds;
    }

    public string ActuatorId { get; }

    /// <summary>Highest acknowledgement counter accepted so far.</summary>
    public ulong HighestCounter
    {
        get
        {
            lock (_lock)
            {
                return _window.Highest;
            }
        }
    }

    /// <summary>Before the signature check: null when the counter is new and the timestamp fresh, else the rejection.</summary>
    public AckVerification? Check(ulong counter, long timestampMs)
    {
        lock (_lock)
        {
            if (!_window.Check(counter))
            {
                return AckVerification.Reject(RejectReasons.Replay, "counter already seen or below the replay window");
            }
        }

        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return timestampMs < now - _freshnessMs || timestampMs > now + _freshnessMs
            ? AckVerification.Reject(RejectReasons.Stale, "timestamp outside the freshness window")
            : null;
    }

    /// <summary>
    /// After the signature verified: takes the counter, false when another copy took it since <see cref="Check"/> (so two
    /// copies racing in are accepted once).
    /// </summary>
    public bool TryCommit(ulong counter)
    {
        lock (_lock)
        {
            if (!_window.Check(counter))
            {
                return false;
            }

            ulong before = _window.Highest;
            _window.Commit(counter);
            if (_window.Highest != before)
            {
                _replay.Store(_slot, _window.Highest);
            }

            return true;
        }
    }
}
