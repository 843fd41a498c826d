using SmartHome.Contracts;

namespace SmartHome.Attacker;

/// <summary>Turns an attack's verdicts (or its reason not to run) into its <see cref="AttackResult"/>.</summary>
internal static class AttackResults
{
    public static AttackResult Summarize(string pipeline, string attack, AttackLevel level, IReadOnlyList<Verdict> verdicts, string notes) => new()
    {
        Pipeline = pipeline,
        Attack = attack,
        Level = Attacks.LevelName(level),
        Attempts = verdicts.Count,
        Succeeded = verdicts.Count(v => v.Succeeded),
        Unjudged = verdicts.Count(v => !v.Judged),
        BlockedBy = verdicts.Where(v => v is { Judged: true, Succeeded: false }).GroupBy(v => v.BlockedBy ?? "unknown")
            .ToDictionary(g => g.Key, g => g.Count()),
        Notes = notes,
    };

    /// <summary>No attempts were made; <paramref name="notes"/> says why.</summary>
    public static AttackResult Skipped(string pipeline, string attack, AttackLevel level, string notes) => new()
    {
        Pipeline = pipeline,
        Attack = attack,
        Level = Attacks.LevelName(level),
        Attempts = 0,
        Notes = notes,
    };
}
