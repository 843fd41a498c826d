using SmartHome.Contracts;

namespace SmartHome.Attacker;

/// <summary>Per-run knobs of a campaign.</summary>
public sealed record CampaignRequest(int Attempts, IReadOnlyList<string> Attacks, double FloodRate = 5000, int FloodMessages = 0, int LegitDuringFlood = 0,
    double AnnouncementFloodSeconds = CampaignRequest.DefaultAnnouncementFloodSeconds, double AnnouncementFloodRate = 1000)
{
    public const double DefaultAnnouncementFloodSeconds = 60;

    public const int MaxAttempts = 10_000;
    public const int MaxFloodMessages = 20_000;

    public static readonly IReadOnlyList<AttackLevel> AllLevels = [AttackLevel.Outsider, AttackLevel.Insider, AttackLevel.CompromisedBroker];

    /// <summary>The capability levels each attack is tried at (all three unless the caller chose some: one cell of the grid).</summary>
    public IReadOnlyList<AttackLevel> Levels { get; init; } = AllLevels;
}
