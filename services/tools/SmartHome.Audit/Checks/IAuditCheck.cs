namespace SmartHome.Audit.Checks;

/// <summary>One check of the audit, one file each. Runs within the context's per-check time bound.</summary>
public interface IAuditCheck
{
    /// <summary>Stable id used in reports (e.g. <c>anonymous-connect</c>).</summary>
    string Id { get; }

    string Title { get; }

    Task<CheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken);
}
