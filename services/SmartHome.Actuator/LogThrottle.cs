namespace SmartHome.Actuator;

/// <summary>
/// Lets at most <c>perSecond</c> log lines through in each one-second window and counts the rest, so a flood
/// of rejected messages cannot turn into a flood of log writes (the decision log, spans and metrics still
/// record every message). Thread-safe.
/// </summary>
public sealed class LogThrottle(int perSecond, TimeProvider clock)
{
    private readonly object _gate = new();
    private long _windowStart = long.MinValue;
    private int _inWindow;
    private long _suppressed;

    /// <summary>
    /// True if this line may be written. <paramref name="suppressedBefore"/> is how many lines were held back
    /// since the last line written (non-zero only on the first line of a new window), for a summary line.
    /// </summary>
    public bool TryEnter(out long suppressedBefore)
    {
        var second = clock.GetUtcNow().ToUnixTimeSeconds();
        lock (_gate)
        {
            if (second != _windowStart)
            {
                _windowStart = second;
                _inWindow = 0;
            }

            if (_inWindow < perSecond)
            {
                _inWindow++;
                suppressedBefore = _suppressed;
                _suppressed = 0;
                return true;
            }

            _suppressed++;
            suppressedBefore = 0;
            return false;
        }
    }
}
