using System.Globalization;

namespace SmartHome.Contracts;

/// <summary>A validated <c>POST /flood</c> request.</summary>
public sealed record FloodRequest(double RatePerSecond, int Seconds, AttackLevel Level, IReadOnlyList<FloodShare> Mix)
{
    public const double MinRate = 1;
    public const double MaxRate = 50_000;
    public const int MinSeconds = 1;
    public const int MaxSeconds = 3_600;
    public const int MaxWeight = 1_000;

    /// <summary>Distinct payloads built before the flood and reused (bounded attacker memory and CPU).</summary>
    public const int PoolSize = 1_024;

    /// <summary>Messages the flood sends when it keeps up: rate × seconds.</summary>
    public long PlannedMessages => (long)Math.Round(RatePerSecond * Seconds);

    /// <summary>The mix as text (<c>forged:10,malformed:1</c>), as it appears in results.</summary>
    public string MixText => FloodShares.Format(Mix);

    /// <summary>
    /// Validates the query of <c>POST /flood</c>: rate 1..50,000 messages/s (default 5,000), seconds 1..3,600 (default 60),
    /// level outsider|insider|compromised-broker (default compromised-broker), mix a comma list of kinds, each optionally
    /// <c>kind:weight</c> (default forged).
    /// </summary>
    public static bool TryCreate(double? rate, int? seconds, string? level, string? mix, out FloodRequest request, out string error)
    {
        request = new FloodRequest(5000, 60, AttackLevel.CompromisedBroker, [new FloodShare(FloodKinds.Forged, 1)]);
        var r = rate ?? 5000;
        if (double.IsNaN(r) || r < MinRate || r > MaxRate)
        {
            error = $"rate must be {MinRate:0}..{MaxRate.ToString("0", CultureInfo.InvariantCulture)} messages/s";
            return false;
        }

        var s = seconds ?? 60;
        if (s is < MinSeconds or > MaxSeconds)
        {
            error = $"seconds must be {MinSeconds}..{MaxSeconds}";
            return false;
        }

        if (!TryParseLevel(level, out var parsedLevel))
        {
            error = $"unknown level '{level}': use outsider, insider or compromised-broker";
            return false;
        }

        if (!FloodShares.TryParse(mix, out var shares, out error))
        {
            return false;
        }

        request = new FloodRequest(r, s, parsedLevel, shares);
        error = string.Empty;
        return true;
    }

    public static bool TryParseLevel(string? text, out AttackLevel level)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case null or "" or "compromised-broker" or "compromisedbroker":
                level = AttackLevel.CompromisedBroker;
                return true;
            case "insider":
                level = AttackLevel.Insider;
                return true;
            case "outsider":
                level = AttackLevel.Outsider;
                return true;
            default:
                level = AttackLevel.CompromisedBroker;
                return false;
        }
    }
}
