namespace SmartHome.Report.Chaos;

/// <summary>Chaos mode's parameters and findings: the faults injected, each pipeline's delivery verdict, the timeline.</summary>
public sealed class ChaosResult
{
    public required int Seed { get; init; }

    public required double RequestedSeconds { get; init; }

    public required double RatePerSecond { get; init; }

    /// <summary>How long readings ran with faults, as measured.</summary>
    public double Seconds { get; set; }

    /// <summary>From the end of the faults until every sensor's outbox was empty.</summary>
    public double DrainSeconds { get; set; }

    public List<InjectedFault> Faults { get; init; } = [];

    public List<ChaosPipelineResult> Pipelines { get; init; } = [];

    public List<ChaosSample> Timeline { get; init; } = [];
}

/// <summary>
/// One fault as it happened. <see cref="RecoverySeconds"/> runs from the fault's end (the SIGKILL, or the SIGCONT after a
/// pause) until the pipeline's actuator applied a reading again (after a SIGKILL: once the killed process's replacement
/// runs); null when it did not within the bound.
/// </summary>
public sealed record InjectedFault(int Index, double AtSeconds, string Pipeline, string Role, string Kind, double PauseSeconds, int? Pid,
    double? RecoverySeconds, string? Note);

/// <summary>One pipeline's delivery through the chaos, counted by message id on the actuator's applied journal.</summary>
public sealed record ChaosPipelineResult(string Pipeline, DeliveryVerdict Delivery, int Faults, double? LongestRecoverySeconds,
    string? SlowestFault);

/// <summary>
/// One pipeline about once a second: readings per second its sensor took and its actuator applied since the previous
/// sample (null while the actuator did not answer), and the readings its outbox held unacknowledged.
/// </summary>
public sealed record ChaosSample(double Seconds, string Pipeline, double TakenPerSecond, double? AppliedPerSecond, int? OutboxPending);
