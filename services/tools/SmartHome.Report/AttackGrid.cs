using SmartHome.Contracts;

namespace SmartHome.Report;

/// <summary>How one attack × level cell of one pipeline ended.</summary>
public enum AttackOutcome
{
    /// <summary>Every attempt succeeded on the victim's side.</summary>
    Worked,

    /// <summary>Some attempts succeeded, the others were blocked.</summary>
    Partly,

    /// <summary>Attempts were made and none succeeded.</summary>
    Blocked,

    /// <summary>
    /// At least one attempt has no verdict (the broker never acknowledged it, or the attack failed inside the
    /// campaign): the cell can claim neither "worked" nor "blocked" for every attempt, so it gets its own class.
    /// </summary>
    Unjudged,

    /// <summary>0 attempts: the attack does not apply at this level, or it was skipped or refused (the notes say which).</summary>
    NotApplicable,

    /// <summary>No result at all for this pipeline, attack and level (that pipeline's campaign did not run, or not this attack).</summary>
    NotRun,
}

/// <summary>One cell of the attack grid: the outcome class and the two label lines the plot writes into the cell.</summary>
/// <param name="Layer">The layer that stopped the most attempts (ties: the first name in ordinal order); null when none was.</param>
/// <param name="OtherLayers">How many other layers stopped at least one attempt.</param>
/// <param name="Label">First line: "succeeded/attempts", or why there is no count ("not applicable", "skipped", "not run").</param>
/// <param name="Detail">Second line: the blocking layer (with "+N" for N more layers) or "N unjudged"; null when there is none.</param>
public sealed record AttackGridCell(
    string Pipeline,
    string Attack,
    string Level,
    AttackOutcome Outcome,
    int Attempts,
    int Succeeded,
    int Unjudged,
    string? Layer,
    int OtherLayers,
    string Label,
    string? Detail);

/// <summary>One pipeline's grid: <see cref="Rows"/>[attack][level], in the order of <see cref="AttackGrid.Attacks"/> and <see cref="AttackGrid.Levels"/>.</summary>
public sealed record AttackGridPanel(string Pipeline, IReadOnlyList<IReadOnlyList<AttackGridCell>> Rows, string Summary);

/// <summary>Attack × capability level grids, one panel per pipeline, all with the same rows and columns so they line up side by side.</summary>
public sealed record AttackGrid(IReadOnlyList<string> Attacks, IReadOnlyList<string> Levels, IReadOnlyList<AttackGridPanel> Panels)
{
    public AttackGridCell Cell(string pipeline, string attack, string level)
    {
        var panel = Panels.Single(p => p.Pipeline == pipeline);
        return panel.Rows[IndexOf(Attacks, attack)][IndexOf(Levels, level)];
    }

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == value)
            {
                return i;
            }
        }

        throw new ArgumentException($"'{value}' is not in the grid.", nameof(value));
    }
}

/// <summary>
/// Turns campaign results into the attack grid (pure: no drawing), so what each cell says can be tested without
/// looking at pixels.
/// </summary>
public static class AttackGridModel
{
    /// <summary>Columns: the attacker's capability levels from weakest to strongest (unknown levels follow).</summary>
    public static readonly IReadOnlyList<string> LevelOrder = ["outsider", "insider", "compromised-broker"];

    /// <summary>Longest second line; the plot's cells are sized for it, so a longer layer name is shortened, not spilled.</summary>
    public const int MaxDetailChars = 22;

    /// <summary>Longest first line taken from a result's notes ("not applicable", "skipped", "refused").</summary>
    public const int MaxNoteLabelChars = 16;

    public static AttackGrid Build(IReadOnlyList<AttackResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);

        // The attacker answers in catalogue order (Attacks.All, level by level) and the report appends the secure
        // campaign after the insecure one, so first appearance is catalogue order; an attack only one pipeline ran
        // still gets its row, in both panels.
        var attacks = results.Select(r => r.Attack).Distinct(StringComparer.Ordinal).ToList();
        var levels = LevelOrder.Concat(results.Select(r => r.Level)).Distinct(StringComparer.Ordinal).ToList();

        // Both pipelines always get a panel: a pipeline whose campaign failed shows "not run" instead of vanishing.
        var pipelines = SummaryWriter.Pipelines.Concat(results.Select(r => r.Pipeline)).Distinct(StringComparer.Ordinal).ToList();
        var byCell = results.GroupBy(r => (r.Pipeline, r.Attack, r.Level)).ToDictionary(g => g.Key, g => Merge([.. g]));

        var panels = new List<AttackGridPanel>();
        foreach (var pipeline in pipelines)
        {
            var rows = attacks.Select(attack => (IReadOnlyList<AttackGridCell>)levels
                .Select(level => byCell.TryGetValue((pipeline, attack, level), out var r) ? Cell(r) : NotRun(pipeline, attack, level))
                .ToList()).ToList();
            panels.Add(new AttackGridPanel(pipeline, rows, Summary(rows)));
        }

        return new AttackGrid(attacks, levels, panels);
    }

    public static AttackOutcome Classify(AttackResult r)
    {
        ArgumentNullException.ThrowIfNull(r);

        // Unjudged first: a failed attack reports 0 attempts with every requested attempt unjudged, and must not
        // pass for "not applicable"; a mostly successful cell with a missing verdict must not pass for "every attempt".
        if (r.Unjudged > 0)
        {
            return AttackOutcome.Unjudged;
        }

        if (r.Attempts <= 0)
        {
            return AttackOutcome.NotApplicable;
        }

        return r.Succeeded >= r.Attempts ? AttackOutcome.Worked
            : r.Succeeded > 0 ? AttackOutcome.Partly
            : AttackOutcome.Blocked;
    }

    public static AttackGridCell Cell(AttackResult r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var layers = r.BlockedBy.Where(kv => kv.Value > 0)
            .OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var layer = layers.Count > 0 ? layers[0].Key : null;
        var others = Math.Max(0, layers.Count - 1);
        var outcome = Classify(r);
        var count = $"{Fmt.Int(r.Succeeded)}/{Fmt.Int(r.Attempts)}";
        (string Label, string? Detail) text = outcome switch
        {
            AttackOutcome.Worked => (count, null),
            AttackOutcome.Partly => (count, LayerText(layer, others)),
            AttackOutcome.Blocked => (count, LayerText(layer, others) ?? "blocked"),
            AttackOutcome.Unjudged => (r.Attempts > 0 ? count : "no verdict", $"{Fmt.Int(r.Unjudged)} unjudged"),
            _ => (NoAttemptsText(r.Notes), null),
        };
        return new AttackGridCell(r.Pipeline, r.Attack, r.Level, outcome, r.Attempts, r.Succeeded, r.Unjudged, layer, others, text.Label, text.Detail);
    }

    /// <summary>"layer" or "layer +N"; a layer name too long for a cell is cut (with "…") so the "+N" survives.</summary>
    public static string? LayerText(string? layer, int others)
    {
        if (layer is null)
        {
            return null;
        }

        var suffix = others > 0 ? $" +{Fmt.Int(others)}" : string.Empty;
        var room = MaxDetailChars - suffix.Length;
        return (layer.Length <= room ? layer : layer[..(room - 1)] + "…") + suffix;
    }

    /// <summary>The grey cells say why there is no count: the head of the notes ("not applicable: …" → "not applicable").</summary>
    private static string NoAttemptsText(string? notes)
    {
        var head = (notes ?? string.Empty).Split(':', 2)[0].Trim();
        return head.Length is > 0 and <= MaxNoteLabelChars ? head : "0 attempts";
    }

    private static AttackGridCell NotRun(string pipeline, string attack, string level) =>
        new(pipeline, attack, level, AttackOutcome.NotRun, 0, 0, 0, null, 0, "not run", null);

    /// <summary>Two results for one cell (e.g. a skipped row and a later real run) count together.</summary>
    private static AttackResult Merge(List<AttackResult> same)
    {
        if (same.Count == 1)
        {
            return same[0];
        }

        var blocked = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (layer, n) in same.SelectMany(r => r.BlockedBy))
        {
            blocked[layer] = blocked.GetValueOrDefault(layer) + n;
        }

        var first = same[0];
        return new AttackResult
        {
            Pipeline = first.Pipeline,
            Attack = first.Attack,
            Level = first.Level,
            Attempts = same.Sum(r => r.Attempts),
            Succeeded = same.Sum(r => r.Succeeded),
            Unjudged = same.Sum(r => r.Unjudged),
            BlockedBy = blocked,
            Notes = same.Select(r => r.Notes).FirstOrDefault(n => !string.IsNullOrWhiteSpace(n)) ?? string.Empty,
        };
    }

    private static string Summary(List<IReadOnlyList<AttackGridCell>> rows)
    {
        var cells = rows.SelectMany(r => r).ToList();
        if (cells.Count == 0 || cells.All(c => c.Outcome == AttackOutcome.NotRun))
        {
            return "no results: this pipeline's campaign did not run";
        }

        var parts = Enum.GetValues<AttackOutcome>()
            .Select(o => (Outcome: o, Count: cells.Count(c => c.Outcome == o)))
            .Where(x => x.Count > 0)
            .Select(x => $"{Fmt.Int(x.Count)} {OutcomeName(x.Outcome)}");
        return $"{string.Join(", ", parts)} (of {Fmt.Int(cells.Count)})";
    }

    public static string OutcomeName(AttackOutcome outcome) => outcome switch
    {
        AttackOutcome.Worked => "worked",
        AttackOutcome.Partly => "partly",
        AttackOutcome.Blocked => "blocked",
        AttackOutcome.Unjudged => "unjudged",
        AttackOutcome.NotApplicable => "not applicable",
        _ => "not run",
    };
}
