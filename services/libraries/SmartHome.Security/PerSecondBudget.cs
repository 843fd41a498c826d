namespace SmartHome.Security;

/// <summary>
/// A budget of <c>perSecond</c> units in each one-second window of <paramref name="clock"/>: what a flood may cost
/// (DSA checks of failed announcements, rejection log lines) is capped, while everything else is still counted.
/// Thread-safe.
/// </summary>
public sealed class PerSecondBudget(int perSecond, TimeProvider clock)
{
    private readonly Lock _gate = new();
    private long _second = long.MinValue;
    private int _spent;
    private long _refused;

    public int PerSecond { get; } = perSecond >= 1 ? perSecond : throw new ArgumentOutOfRangeException(nameof(perSecond));

    /// <summary>True while this second's budget is not used up (spends nothing).</summary>
    public bool HasRoom()
    {
        lock (_gate)
        {
            Roll();
            return _spent < PerSecond;
        }
    }

    /// <summary>Spends one unit, even beyond the budget (for costs that were already paid).</summary>
    public void Spend()
    {
        lock (_gate)
        {
            Roll();
            _spent++;
        }
    }

    /// <summary>
    /// Spends one unit if there is room. <paramref name="refusedBefore"/> is how many were refused since the last
    /// unit granted (non-zero only on the first grant after refusals), for a summary such as "N more not logged".
    /// </summary>
    public bool TrySpend(out long refusedBefore)
    {
        lock (_gate)
        {
            Roll();
            if (_spent < PerSecond)
            {
                _spent++;
                refusedBefore = _refused;
                _refused = 0;
                return true;
            }

            _refused++;
            refusedBefore = 0;
            return false;
        }
    }

    private void Roll()
    {
        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        if (now != _second)
        {
            _second = now;
            _spent = 0;
        }
    }
}
