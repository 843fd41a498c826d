namespace SmartHome.Attacker;

/// <summary>
/// Pacing of the flood (pure, unit-tested): on every ~1 ms tick the flood sends what is due by then, so the average rate
/// is exact however coarse the ticks are, without a Task or a timer per message.
/// </summary>
public static class FloodPacer
{
    /// <summary>Messages due <paramref name="elapsed"/> after the start at <paramref name="ratePerSecond"/>, at most <paramref name="total"/>.</summary>
    public static long DueBy(TimeSpan elapsed, double ratePerSecond, long total) =>
        elapsed <= TimeSpan.Zero ? 0 : Math.Min(total, (long)Math.Floor(elapsed.TotalSeconds * ratePerSecond));

    /// <summary>The largest batch in one tick: 10 ms worth of messages (at least 1), so a stall is caught up smoothly, not in one burst.</summary>
    public static int MaxBatch(double ratePerSecond) => (int)Math.Max(1, Math.Ceiling(ratePerSecond / 100));

    /// <summary>How many to send in this tick.</summary>
    public static int Batch(long due, long attempted, int maxBatch) => (int)Math.Clamp(due - attempted, 0, maxBatch);

    /// <summary>
    /// Whether to stop at the deadline: the flood stops when its time is up and it is more than one batch behind
    /// (it could not keep up; its achieved rate says so); otherwise it sends the last batch and ends with exactly
    /// rate × seconds messages.
    /// </summary>
    public static bool StopAtDeadline(long attempted, long total, int maxBatch) => total - attempted > maxBatch;
}
