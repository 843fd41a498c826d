namespace SmartHome.Attacker;

/// <summary>What one run of an attack is given: attempts per level, the campaign's knobs (flood rates, durations) and the captured legit traffic.</summary>
internal sealed record AttackInput(int Attempts, CampaignRequest Request, IReadOnlyList<Capture> Captures);
