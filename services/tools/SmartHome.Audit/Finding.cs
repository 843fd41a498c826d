namespace SmartHome.Audit;

/// <summary>A problem one check found, with the exchanges that prove it.</summary>
public sealed record Finding
{
    public required string RuleId { get; init; }

    public required string Title { get; init; }

    public required Severity Severity { get; init; }

    /// <summary>The check that found it (its file is Checks/&lt;Name&gt;Check.cs).</summary>
    public required string Check { get; init; }

    /// <summary>What was observed, in one sentence.</summary>
    public required string Message { get; init; }

    public required IReadOnlyList<Evidence> Evidence { get; init; }

    /// <summary>What an attacker can then do against the lab's insecure and secure pipelines.</summary>
    public required string Impact { get; init; }

    /// <summary>Names of the attacks of the catalogue (services/apps/SmartHome.Attacker) this enables.</summary>
    public required IReadOnlyList<string> EnablesAttacks { get; init; }

    /// <summary>The Mosquitto configuration that removes the problem.</summary>
    public required string Fix { get; init; }

    public static Finding Of(AuditRule rule, string check, string message, IReadOnlyList<Evidence> evidence, Severity? severity = null) => new()
    {
        RuleId = rule.Id,
        Title = rule.Title,
        Severity = severity ?? rule.DefaultSeverity,
        Check = check,
        Message = message,
        Evidence = evidence,
        Impact = rule.Impact,
        EnablesAttacks = rule.EnablesAttacks,
        Fix = rule.Fix,
    };
}
