using System.Text.Json.Serialization;

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

    /// <summary>In-process cost of the crypto primitives (full mode).</summary>
    public CryptoBreakdown? Crypto { get; set; }

    /// <summary>Throughput mode: every step tried and the highest passing rate per pipeline.</summary>
    public List<ThroughputResult> Throughput { get; init; } = [];

    /// <summary>Fleet mode: replay state and verification throughput for N device identities.</summary>
    public FleetResult? Fleet { get; set; }

    /// <summary>Goals of issues 4 and 6, each with the measured numbers and whether it was met.</summary>
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
}

public sealed record CampaignStatus(bool Ran, string? Reason);

/// <summary>One row of the attacker's campaign answer (the issue 5 contract).</summary>
public sealed record AttackResult(
    string Pipeline,
    string Attack,
    string Level,
    int Attempts,
    int Succeeded,
    Dictionary<string, int> BlockedBy,
    string? Notes)
{
    /// <summary>Attempts the attacker could not judge (never counted as blocked).</summary>
    public int Unjudged { get; init; }

    [JsonIgnore]
    public double SuccessRate => Attempts == 0 ? 0 : (double)Succeeded / Attempts;
}

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
