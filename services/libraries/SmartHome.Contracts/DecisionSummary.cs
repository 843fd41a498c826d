namespace SmartHome.Contracts;

/// <summary>The actuator's decision counts (<c>GET /decisions/summary</c>): totals, applied by kind, rejected by reason.</summary>
public sealed record DecisionSummary(long Total, long Applied, long Rejected,
    IReadOnlyDictionary<string, long> AppliedByKind, IReadOnlyDictionary<string, long> RejectedByReason);
