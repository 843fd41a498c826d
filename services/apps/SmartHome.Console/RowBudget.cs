namespace SmartHome.Console;

/// <summary>
/// At most <c>perSecond</c> rows per wall-clock second; counts what it refused, so the page can say how many rows a flood
/// hid. Used by one relay loop at a time (not thread-safe).
/// </summary>
public sealed class RowBudget(int perSecond, TimeProvider clock)
{
    private long _second = -1;
    private int _spent;
    private long _skipped;

    public bool TrySpend()
    {
        var second = clock.GetUtcNow().ToUnixTimeSeconds();
        if (second != _second)
        {
            _second = second;
            _spent = 0;
        }

        if (_spent >= perSecond)
        {
            _skipped++;
            return false;
        }

        _spent++;
        return true;
    }

    /// <summary>Rows refused since the last call; resets the count.</summary>
    public long TakeSkipped()
    {
        var skipped = _skipped;
        _skipped = 0;
        return skipped;
    }
}
