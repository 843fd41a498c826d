using SmartHome.Contracts;

namespace SmartHome.Report.Flood;

/// <summary>The flood's mix, rates and bounds (pure, unit-tested).</summary>
public static class FloodPlan
{
    public static IReadOnlyList<string> Kinds => FloodKinds.All;

    /// <summary>The actuator's decision log keeps this many decisions (Actuator:DecisionLogCapacity, default).</summary>
    public const long DecisionLogCapacity = 50_000;

    /// <summary>Parses <c>forged:10,malformed:1</c> (a kind without a weight weighs 1) with the attacker's own parser.</summary>
    public static IReadOnlyList<FloodShare> ParseMix(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException("--flood-mix names no kind.");
        }

        // The attacker's errors start with "mix: ".
        return FloodShares.TryParse(text, out var shares, out var error) ? shares : throw new ArgumentException($"--flood-{error}.");
    }

    /// <summary>
    /// The rate the attacker is asked for: <paramref name="forgedRate"/> is the forged messages' rate and the mix's other
    /// kinds come on top in proportion to their weights (forged:10,malformed:1 at 5,000 → 5,500/s). Without forged in the
    /// mix, <paramref name="forgedRate"/> is the total.
    /// </summary>
    public static double AttackerRate(double forgedRate, IReadOnlyList<FloodShare> mix)
    {
        ArgumentNullException.ThrowIfNull(mix);
        var forged = mix.Where(s => s.Kind == "forged").Sum(s => s.Weight);
        return forged == 0 ? forgedRate : forgedRate * mix.Sum(s => s.Weight) / forged;
    }

    /// <summary>Forged messages/s in a flood of <paramref name="attackerRate"/> with this mix.</summary>
    public static double ForgedRate(double attackerRate, IReadOnlyList<FloodShare> mix)
    {
        ArgumentNullException.ThrowIfNull(mix);
        return attackerRate * mix.Where(s => s.Kind == "forged").Sum(s => s.Weight) / mix.Sum(s => s.Weight);
    }

    /// <summary>How long to wait after the flood for legit readings still queued at the actuator: half the flood, 30..300 s.</summary>
    public static TimeSpan DrainLimit(int floodSeconds) => TimeSpan.FromSeconds(Math.Clamp(floodSeconds / 2.0, 30, 300));
}
