using System.Globalization;

namespace SmartHome.Attacker;

// What POST /flood and GET /flood/status take and answer (SmartHome.Report reads the answers). The flood itself is
// Flood/SustainedFlood.cs.

/// <summary>What a sustained flood sends (the <c>mix</c> of <c>POST /flood</c>).</summary>
public static class FloodKinds
{
    /// <summary>Secure: envelope-shaped data with the observed key id, fresh counters and a random signature; insecure: a forged reading.</summary>
    public const string Forged = "forged";

    /// <summary>Random bytes.</summary>
    public const string Malformed = "malformed";

    /// <summary>One byte over the actuator's limit (secure: envelope 4 KiB; insecure: reading 1 KiB).</summary>
    public const string Oversized = "oversized";

    /// <summary>A captured legit message, re-sent byte for byte.</summary>
    public const string Replay = "replay";

    public static readonly IReadOnlyList<string> All = [Forged, Malformed, Oversized, Replay];
}

/// <summary>One kind of the mix with its weight (its share of the rate is weight / sum of weights).</summary>
public readonly record struct FloodShare(string Kind, int Weight);

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

/// <summary>Outcome of one sustained flood (<c>POST /flood</c>).</summary>
public sealed record FloodResult
{
    public required string Pipeline { get; init; }

    public required string Level { get; init; }

    public required string Mix { get; init; }

    /// <summary>Always 0: a flood is fire-and-forget (no PUBACK), so its rate does not depend on the broker's acknowledgements.</summary>
    public int Qos { get; init; }

    public string Delivery { get; init; } = "QoS 0 (fire-and-forget): the attacker waits for no PUBACK; what reached the actuator is in its decision log.";

    public double TargetRatePerSecond { get; init; }

    public int RequestedSeconds { get; init; }

    /// <summary>Topic of the forged, malformed and oversized messages (replays go to the topic they were captured on).</summary>
    public string Topic { get; init; } = string.Empty;

    /// <summary>The <c>smarthome-attempt-id</c> user property every flood message carries (one label for the whole flood).</summary>
    public string AttemptId { get; init; } = string.Empty;

    public DateTimeOffset StartedAt { get; init; }

    /// <summary>When the first message was due (after connecting, capturing and building the payload pool).</summary>
    public DateTimeOffset? FloodStartedAt { get; init; }

    /// <summary>Seconds from the first due message to the last one sent.</summary>
    public double DurationSeconds { get; init; }

    public long MessagesPlanned { get; init; }

    public long MessagesSent { get; init; }

    public double AchievedRatePerSecond { get; init; }

    public IReadOnlyDictionary<string, long> ByKind { get; init; } = new Dictionary<string, long>();

    /// <summary>Publishes that failed because the connection was lost (each followed by a reconnect attempt).</summary>
    public long PublishErrors { get; init; }

    /// <summary>The most messages the flood was ever behind its schedule (pacing quality; 0..batch size when it keeps up).</summary>
    public long MaxBacklogMessages { get; init; }

    public int PoolSize { get; init; }

    public long PoolBytes { get; init; }

    /// <summary>Legit readings the attacker asked the sensor for to capture key ids and replays (not flood messages).</summary>
    public IReadOnlyList<string> CaptureMessageIds { get; init; } = [];

    /// <summary>CPU time of the attacker's process during the flood phase.</summary>
    public double AttackerCpuMs { get; init; }

    /// <summary>Why the broker (or the loopback rule) refused the flood; null when it ran.</summary>
    public string? Refusal { get; init; }

    /// <summary>False when cancelled or when the flood fell behind its schedule at the deadline.</summary>
    public bool Completed { get; init; }

    public string Notes { get; init; } = string.Empty;
}

/// <summary><c>GET /flood/status</c>.</summary>
public sealed record FloodStatus(bool Running, string Phase, long Sent, double ElapsedSeconds, double TargetRatePerSecond, int Seconds,
    string? AttemptId, FloodResult? Last);
