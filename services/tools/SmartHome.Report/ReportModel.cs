using SmartHome.Contracts;

namespace SmartHome.Report;

/// <summary>
/// Everything one report run measured. results.json, results.csv and summary.md are all rendered from one
/// instance of this, so they cannot disagree.
/// </summary>
public sealed class ReportResults
{
    public required RunInfo Run { get; set; }

    /// <summary>Attack × capability level × pipeline outcomes (empty when the campaign did not run).</summary>
    public List<AttackResult> Attacks { get; init; } = [];

    /// <summary>Whether the attack campaign ran, and if not, why.</summary>
    public CampaignStatus Campaign { get; set; } = new(false, "not requested by this mode");

    /// <summary>Side-by-side latency run, one entry per pipeline.</summary>
    public List<LatencyResult> Latency { get; init; } = [];

    /// <summary>The floor of the latency run: one raw broker hop measured side by side with the pipelines (null when not measured).</summary>
    public BrokerHopResult? BrokerHop { get; set; }

    /// <summary>In-process cost of the crypto primitives (full mode).</summary>
    public CryptoBreakdown? Crypto { get; set; }

    /// <summary>Throughput mode: every step tried and the highest passing rate per pipeline.</summary>
    public List<ThroughputResult> Throughput { get; init; } = [];

    /// <summary>Fleet mode: replay state and verification throughput for N device identities.</summary>
    public FleetResult? Fleet { get; set; }

    /// <summary>Flood mode: one entry per flooded pipeline.</summary>
    public List<FloodRunResult> Flood { get; init; } = [];

    /// <summary>Chaos mode: the faults, each pipeline's delivery verdict and the timeline.</summary>
    public Chaos.ChaosResult? Chaos { get; set; }

    /// <summary>Suites mode: one entry per crypto suite, each from its own app run.</summary>
    public List<Suites.SuiteResult> Suites { get; init; } = [];

    /// <summary>Goals of issues 4, 6 and 8, each with the measured numbers and whether it was met.</summary>
    public List<GoalCheck> Goals { get; init; } = [];

    /// <summary>Things the reader must know (skipped parts, measurement caveats).</summary>
    public List<string> Notes { get; init; } = [];

    /// <summary>Adds a note as one line (exception messages may span several).</summary>
    public void Note(string text) => Notes.Add(OneLine(text));

    /// <summary>Joins the lines of <paramref name="text"/> and caps it at 400 characters.</summary>
    public static string OneLine(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var line = string.Join(" ", text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return line.Length > 400 ? line[..400] + "..." : line;
    }
}

/// <summary>What is needed to reproduce the run: machine, versions, broker mode, parameters.</summary>
public sealed record RunInfo(
    string Mode,
    DateTimeOffset StartedAt,
    double DurationSeconds,
    string Machine,
    string Os,
    int ProcessorCount,
    string Runtime,
    string AspireVersion,
    string? GitCommit,
    string BrokerMode,
    string AppSource,
    int Attempts,
    int Readings,
    double RatePerSecond,
    int Concurrency,
    int FleetSize,
    int CryptoIterations)
{
    public double DurationSeconds { get; set; } = DurationSeconds;

    /// <summary>/proc/loadavg (1, 5, 15 min) at the start and the end: other work on a shared machine skews every number.</summary>
    public string LoadAverage { get; set; } = string.Empty;

    /// <summary>Flood mode's parameters (null in the other modes).</summary>
    public FloodParameters? Flood { get; init; }

    /// <summary>Chaos mode's parameters (null in the other modes).</summary>
    public ChaosParameters? Chaos { get; set; }

    /// <summary>Suites mode's parameters (null in the other modes).</summary>
    public SuitesParameters? Suites { get; set; }
}

/// <summary>What suites mode was asked for: enough to run it again.</summary>
public sealed record SuitesParameters(IReadOnlyList<string> Suites, IReadOnlyList<double> Rates, double Seconds, double SustainSeconds,
    int Attempts, double AnnouncementFloodSeconds, int CryptoIterations);

/// <summary>What chaos mode was asked for; the seed replays its fault plan.</summary>
public sealed record ChaosParameters(int Seed, double Seconds, double RatePerSecond);

/// <summary>What flood mode was asked for.</summary>
public sealed record FloodParameters(double ForgedRatePerSecond, double AttackerRatePerSecond, int Seconds, string Pipeline,
    double LegitRatePerSecond, string Mix, string Level);

public sealed record CampaignStatus(bool Ran, string? Reason);

/// <summary>Latency of one pipeline, from the actuator's latencyMs of every decided reading.</summary>
public sealed record LatencyResult(
    string Pipeline,
    int Count,
    int Decided,
    int Applied,
    int RejectedLegit,
    int Lost,
    double P50Ms,
    double P95Ms,
    double P99Ms,
    double P999Ms,
    double MaxMs,
    double MeanMs,
    double TargetRatePerSecond,
    double ThroughputPerSecond,
    double SensorCpuMs,
    double ActuatorCpuMs,
    double CpuMsPerMessage,
    long ActuatorWorkingSetBytes,
    IReadOnlyDictionary<string, int> RejectReasons,
    IReadOnlyList<CdfPoint> Cdf)
{
    public double LossPercent => Count == 0 ? 0 : 100.0 * Lost / Count;
}

/// <summary>
/// One raw broker hop: an MQTTnet publisher and subscriber in the report's process through the insecure pipeline's broker,
/// QoS 1, no crypto, JSON, spans or decision log; latency = arrival at the subscriber − the publish timestamp.
/// </summary>
public sealed record BrokerHopResult(
    string Broker,
    int Sent,
    int Received,
    int PayloadBytes,
    double TargetRatePerSecond,
    double P50Ms,
    double P99Ms,
    double MeanMs,
    double MaxMs);

/// <summary>
/// The raw broker hop at saturation (<see cref="BrokerHop.MeasureCapacityAsync"/>): what one MQTT hop costs the machine's CPU
/// when nothing else is done per message. Wall time includes connecting both clients.
/// </summary>
public sealed record BrokerHopCapacity(
    string Broker,
    int Sent,
    int Received,
    int Concurrency,
    double Seconds,
    double MessagesPerSecond,
    double ClientCpuUsPerMessage,
    double? BrokerCpuUsPerMessage)
{
    /// <summary>Publisher + subscriber + broker (when known) CPU µs per message.</summary>
    public double CpuUsPerMessage => ClientCpuUsPerMessage + (BrokerCpuUsPerMessage ?? 0);
}

/// <summary>One point of a latency CDF: <see cref="Percentile"/> % of readings took at most <see cref="LatencyMs"/>.</summary>
public sealed record CdfPoint(double Percentile, double LatencyMs);

/// <summary>Per-operation cost from the in-process microbenchmark.</summary>
public sealed record CryptoOp(string Operation, int Iterations, double MeanUs, double P50Us, double P99Us);

public sealed record CryptoBreakdown(
    string Method,
    IReadOnlyList<CryptoOp> Operations,
    double SealPlusOpenUs,
    double? MeasuredSecureMinusInsecureP50Us)
{
    /// <summary>Seal p50 + open p50: robust to outliers from other work on the machine; the goal compares p50 with p50.</summary>
    public double SealPlusOpenP50Us { get; init; }
}

public sealed record ThroughputStep(
    string Pipeline,
    double TargetRatePerSecond,
    int Count,
    int Concurrency,
    double AchievedPerSecond,
    double LossPercent,
    int RejectedLegit,
    double P50Ms,
    double P99Ms,
    double SensorCpuPercent,
    double ActuatorCpuPercent,
    double? BrokerCpuPercent,
    bool Passed,
    string Verdict)
{
    /// <summary>/proc/loadavg right after the step.</summary>
    public string LoadAverage { get; init; } = string.Empty;

    /// <summary>Share of all the machine's cores that was busy during the step (every process, not only the pipeline's), in %.</summary>
    public double? MachineCpuPercent { get; init; }
}

public sealed record ThroughputResult(
    string Pipeline,
    double HighestPassingRatePerSecond,
    double AchievedAtHighestPerSecond,
    string Bottleneck,
    List<ThroughputStep> Steps);

public sealed record FleetResult(
    int Devices,
    string Method,
    double KeyGenSeconds,
    bool KeysFromCache,
    int MessagesVerified,
    double VerifyPerSecondSingleThread,
    double VerifyPerSecondParallel,
    int ParallelThreads,
    double AnnouncementsPerSecond,
    long ReplayStateManagedBytes,
    double ReplayStateBytesPerSender,
    long ReplayFileBytes,
    int ReplayFileBytesPerSender,
    long SendersManagedBytes);

public sealed record GoalCheck(string Goal, string Measured, bool? Met);

/// <summary>
/// Flood mode, one pipeline: what the attacker sent (QoS 0, its own counts), what the actuator decided meanwhile (its
/// decision log, paged during the run), the legit readings' latency, and the actuator's memory over time.
/// </summary>
public sealed record FloodRunResult
{
    public required string Pipeline { get; init; }

    /// <summary>False when the flood could not run (attacker missing, unhealthy or refused); <see cref="Reason"/> says why.</summary>
    public bool Ran { get; init; }

    public string? Reason { get; init; }

    public string Level { get; init; } = string.Empty;

    public string Mix { get; init; } = string.Empty;

    /// <summary>The attacker publishes at QoS 0 (fire-and-forget).</summary>
    public int Qos { get; init; }

    public double TargetRatePerSecond { get; init; }

    public double ForgedTargetRatePerSecond { get; init; }

    public int Seconds { get; init; }

    public long MessagesSent { get; init; }

    public double FloodDurationSeconds { get; init; }

    public double AchievedRatePerSecond { get; init; }

    public double ForgedAchievedRatePerSecond { get; init; }

    public IReadOnlyDictionary<string, long> SentByKind { get; init; } = new Dictionary<string, long>();

    public long PublishErrors { get; init; }

    /// <summary>The most messages the attacker was ever behind its schedule.</summary>
    public long MaxBacklogMessages { get; init; }

    /// <summary>Attacker CPU during the flood, % of one core (from the attacker's own answer).</summary>
    public double AttackerCpuPercent { get; init; }

    public int LegitSent { get; init; }

    public double LegitRatePerSecond { get; init; }

    public int LegitApplied { get; init; }

    /// <summary>Legit readings the actuator refused with their message id in the log (a refused envelope has none: it counts as lost).</summary>
    public int LegitRejected { get; init; }

    /// <summary>Legit readings never applied and not found rejected by id (never decided within the drain time, or refused before decryption).</summary>
    public int LegitLost { get; init; }

    public IReadOnlyDictionary<string, int> LegitRejectReasons { get; init; } = new Dictionary<string, int>();

    public double LegitP50Ms { get; init; }

    public double LegitP95Ms { get; init; }

    public double LegitP99Ms { get; init; }

    public double LegitP999Ms { get; init; }

    public double LegitMaxMs { get; init; }

    public double LegitMeanMs { get; init; }

    public IReadOnlyList<CdfPoint> LegitCdf { get; init; } = [];

    /// <summary>Applied decisions that are not the report's legit readings: labelled by the flood, or unknown message ids.</summary>
    public long ForgedApplied { get; init; }

    /// <summary>Applied session-key announcements of the legit sensor (no message id, not labelled by an attacker).</summary>
    public long KeyAnnouncementsApplied { get; init; }

    /// <summary>Decisions of the actuator between the summaries before and after the run (GET /decisions/summary deltas).</summary>
    public long DecisionsDelta { get; init; }

    public long AppliedDelta { get; init; }

    public long RejectedDelta { get; init; }

    public IReadOnlyDictionary<string, long> RejectedByReasonDelta { get; init; } = new Dictionary<string, long>();

    /// <summary>Decisions per second from the start of the flood to the end of the drain.</summary>
    public double ActuatorDecisionsPerSecond { get; init; }

    public double ActuatorCpuPercent { get; init; }

    public double? BrokerCpuPercent { get; init; }

    public bool ActuatorHealthyAfter { get; init; }

    /// <summary>Max of the 1 s samples' working set and of the process's own peak (VmHWM) at the end.</summary>
    public long PeakWorkingSetBytes { get; init; }

    public long PeakManagedHeapBytes { get; init; }

    /// <summary>Seconds spent after the flood waiting for the actuator to decide the legit readings still queued.</summary>
    public double DrainSeconds { get; init; }

    /// <summary>True when the decision log may have wrapped between two polls (decisions could be missing).</summary>
    public bool DecisionLogOverrun { get; init; }

    /// <summary>Seconds (since the flood request) at which the flood started and ended, for the plot.</summary>
    public double FloodStartSeconds { get; init; }

    public double FloodEndSeconds { get; init; }

    public string AttackerNotes { get; init; } = string.Empty;

    public List<FloodSample> Samples { get; init; } = [];

    /// <summary>Legit readings that were not applied, as a share of those sent (%).</summary>
    public double LegitNotAppliedPercent => LegitSent == 0 ? 0 : 100.0 * (LegitLost + LegitRejected) / LegitSent;
}

/// <summary>One GET /process sample of the actuator during a flood.</summary>
public sealed record FloodSample(double Seconds, long WorkingSetBytes, long PeakWorkingSetBytes, long ManagedHeapBytes, double CpuMs);
