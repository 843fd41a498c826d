using SmartHome.Contracts;

namespace SmartHome.Attacker;

/// <summary>One attack of the catalogue, run by the campaign once at every capability level.</summary>
internal interface IAttack
{
    /// <summary>Its name in requests, results, spans and metrics (one of <see cref="Attacks"/>).</summary>
    string Name { get; }

    /// <summary>
    /// Whether it replays or alters captured legit traffic: the campaign then harvests captures before running it (once
    /// per campaign, shared by every such attack).
    /// </summary>
    bool NeedsCaptures => false;

    /// <summary>Makes <see cref="AttackInput.Attempts"/> attempts at <paramref name="level"/> and judges them.</summary>
    Task<AttackResult> RunAsync(AttackContext context, AttackLevel level, AttackInput input, CancellationToken ct);
}
