namespace SmartHome.TimingDemo;

/// <summary>Where a running attack stands: what the console prints and the progress gauges show.</summary>
/// <param name="EstimatedLeft">Null while no byte is decided yet (no rate to extrapolate from).</param>
public sealed record AttackProgress(
    int BytesDecided,
    int TokenLength,
    long Queries,
    TimeSpan Elapsed,
    TimeSpan? EstimatedLeft)
{
    /// <summary>
    /// Time left at the rate so far (elapsed per decided byte, times the bytes still to go), never more than what is
    /// left of the budget: the attack stops there whatever the rate says.
    /// </summary>
    public static TimeSpan? Estimate(int bytesDecided, int tokenLength, TimeSpan elapsed, TimeSpan budgetLeft)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytesDecided);
        if (bytesDecided >= tokenLength)
        {
            return TimeSpan.Zero;
        }

        if (bytesDecided == 0)
        {
            return budgetLeft == TimeSpan.MaxValue ? null : budgetLeft;
        }

        var atRate = elapsed / bytesDecided * (tokenLength - bytesDecided);
        return atRate < budgetLeft ? atRate : budgetLeft;
    }

    public string Describe()
    {
        var left = EstimatedLeft switch
        {
            null => "estimating time left",
            { } t when BytesDecided == 0 => $"at most {t.TotalSeconds:F0} s left (budget)",
            { } t => $"~{t.TotalSeconds:F0} s left",
        };
        return $"{BytesDecided}/{TokenLength} bytes, {Queries} queries, {Elapsed.TotalSeconds:F1} s, {left}";
    }
}
