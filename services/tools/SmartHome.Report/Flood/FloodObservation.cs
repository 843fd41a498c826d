using SmartHome.Contracts;

namespace SmartHome.Report.Flood;

/// <summary>Everything measured in one flood run, before it is summarized.</summary>
public sealed record FloodObservation(
    string Pipeline,
    FloodParameters Parameters,
    FloodAttackDto Attack,
    IReadOnlyList<string> LegitIds,
    AppliedDecisionTracker Tracker,
    IReadOnlyDictionary<string, Decision> LegitRejected,
    DecisionSummary Before,
    DecisionSummary After,
    ProcessStats ActuatorBefore,
    ProcessStats ActuatorAfter,
    double? BrokerCpuMs,
    double WallSeconds,
    bool Healthy,
    List<FloodSample> Samples,
    double DrainSeconds,
    bool Overrun,
    double FloodStartSeconds,
    double FloodEndSeconds);
