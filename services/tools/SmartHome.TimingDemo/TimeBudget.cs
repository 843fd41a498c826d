using System.Diagnostics;

namespace SmartHome.TimingDemo;

/// <summary>
/// A wall-clock allowance that starts when it is made. Attacks check it between rounds and stop when it is used up,
/// so a run never takes longer than it was given (plus one round).
/// </summary>
public sealed class TimeBudget
{
    private readonly long _start = Stopwatch.GetTimestamp();

    public TimeBudget(TimeSpan limit)
    {
        if (limit < TimeSpan.Zero && limit != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), "A budget cannot be negative.");
        }

        Limit = limit;
    }

    /// <summary>No limit (tests and runs that end on their own sample budget).</summary>
    public static TimeBudget Unlimited() => new(Timeout.InfiniteTimeSpan);

    public TimeSpan Limit { get; }

    public bool IsUnlimited => Limit == Timeout.InfiniteTimeSpan;

    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_start);

    public TimeSpan Remaining
    {
        get
        {
            if (IsUnlimited)
            {
                return TimeSpan.MaxValue;
            }

            var left = Limit - Elapsed;
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    public bool IsExhausted => Remaining <= TimeSpan.Zero;

    /// <summary>A budget of at most <paramref name="cap"/> that also ends no later than this one.</summary>
    public TimeBudget Slice(TimeSpan cap) => new(IsUnlimited ? cap : cap < Remaining ? cap : Remaining);
}
