namespace SmartHome.Contracts;

/// <summary>A whole campaign (<c>POST /campaign</c>): one result per attack × level.</summary>
public sealed record CampaignReport(
    string Pipeline,
    DateTimeOffset StartedAt,
    double DurationMs,
    int AttemptsPerAttack,
    IReadOnlyList<AttackResult> Results)
{
    public int TotalSucceeded => Results.Sum(r => r.Succeeded);
}
