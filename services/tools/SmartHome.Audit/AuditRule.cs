namespace SmartHome.Audit;

/// <summary>
/// One kind of finding: what it means for this lab's pipelines (and which attacks of the catalogue in
/// services/apps/SmartHome.Attacker it enables) and the fix in Mosquitto's own terms. <see cref="Rules"/> lists them all.
/// </summary>
public sealed record AuditRule(
    string Id,
    string Title,
    Severity DefaultSeverity,
    string Impact,
    IReadOnlyList<string> EnablesAttacks,
    string Fix);
