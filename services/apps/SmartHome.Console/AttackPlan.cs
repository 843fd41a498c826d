namespace SmartHome.Console;

/// <summary>What one press of an attack control runs: these attacks at these levels against these homes (empty attacks: the whole catalogue).</summary>
public sealed record AttackPlan(IReadOnlyList<string> Pipelines, IReadOnlyList<string> Attacks, IReadOnlyList<string> Levels, int Attempts)
{
    public static readonly IReadOnlyList<string> AllLevels = ["outsider", "insider", "compromised-broker"];

    /// <summary>Needs the AppHost (a real actuator restart): the dashboard command runs it, the console does not.</summary>
    public const string ReplayAfterRestart = "replay-after-restart";

    public bool IsCampaign => Attacks.Count == 0;

    /// <summary>Checks a request from the page; the attack names are checked by the attacker itself.</summary>
    public static bool TryCreate(Homes homes, string? pipelines, string? attacks, string? levels, int? attempts, int defaultAttempts,
        out AttackPlan plan, out string error)
    {
        ArgumentNullException.ThrowIfNull(homes);
        var targets = Split(pipelines);
        var chosenLevels = Split(levels);
        plan = new AttackPlan(targets, Split(attacks), chosenLevels.Count == 0 ? AllLevels : chosenLevels, attempts ?? defaultAttempts);
        if (targets.Count == 0 || targets.Any(t => !homes.Contains(t)))
        {
            error = $"choose the home(s) to attack: {string.Join(", ", homes.Pipelines)}";
            return false;
        }

        if (chosenLevels.Any(l => !AllLevels.Contains(l, StringComparer.Ordinal)))
        {
            error = $"unknown capability level: use {string.Join(", ", AllLevels)}";
            return false;
        }

        if (plan.Attempts is < 1 or > ConsoleOptions.MaxAttempts)
        {
            error = $"attempts must be 1..{ConsoleOptions.MaxAttempts}";
            return false;
        }

        if (plan.Attacks.Contains(ReplayAfterRestart, StringComparer.Ordinal))
        {
            error = $"{ReplayAfterRestart} restarts the actuator through the AppHost: run it with the attacker's dashboard command";
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>One line a person reads before pressing, and in the run's heading.</summary>
    public string Describe() =>
        (IsCampaign ? "the whole attack campaign" : string.Join(", ", Attacks))
        + (Levels.Count == AllLevels.Count ? " at every capability level" : $" at the {string.Join(" and ", Levels)} level")
        + $", {Attempts} attempt{(Attempts == 1 ? string.Empty : "s")} each, against the "
        + (Pipelines.Count == 1 ? $"{Pipelines[0]} home" : $"{string.Join(" and ", Pipelines)} homes");

    private static List<string> Split(string? list) =>
        string.IsNullOrWhiteSpace(list)
            ? []
            : [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];
}
