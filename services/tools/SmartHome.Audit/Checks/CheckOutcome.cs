namespace SmartHome.Audit.Checks;

/// <summary>Collects a check's exchanges and findings, then builds its <see cref="CheckResult"/>.</summary>
internal sealed class CheckOutcome(IAuditCheck check)
{
    private readonly List<Evidence> _evidence = [];
    private readonly List<Finding> _findings = [];

    public IReadOnlyList<Evidence> Evidence => _evidence;

    public void Exchange(string sent, string received) => _evidence.Add(new Evidence(sent, received));

    public void Find(AuditRule rule, string message, IReadOnlyList<Evidence> evidence, Severity? severity = null) =>
        _findings.Add(Finding.Of(rule, check.Id, message, [.. evidence], severity));

    /// <summary>Findings if any, else passed; the summary says what was established.</summary>
    public CheckResult Done(string summary) => new()
    {
        Check = check.Id,
        Title = check.Title,
        Status = _findings.Count > 0 ? CheckStatus.Findings : CheckStatus.Passed,
        Summary = summary,
        Evidence = [.. _evidence],
        Findings = [.. _findings],
    };

    public CheckResult Skipped(string why) => new()
    {
        Check = check.Id,
        Title = check.Title,
        Status = CheckStatus.Skipped,
        Summary = why,
        Evidence = [.. _evidence],
    };

    public CheckResult Error(string why) => new()
    {
        Check = check.Id,
        Title = check.Title,
        Status = CheckStatus.Error,
        Summary = why,
        Evidence = [.. _evidence],
        Findings = [.. _findings],
    };
}
