using SmartHome.Contracts;

namespace SmartHome.Report.Suites;

/// <summary>Suites mode, one crypto suite: its own app run (secure pipeline with <c>Security:Suite</c>, insecure as the baseline).</summary>
public sealed record SuiteResult
{
    public required string Suite { get; init; }

    /// <summary>False when the app with this suite could not be started or measured; <see cref="Problem"/> says why.</summary>
    public bool Ran { get; init; }

    public string? Problem { get; init; }

    /// <summary>Seconds from asking the AppHost to start until all four services were healthy.</summary>
    public double AppStartSeconds { get; init; }

    /// <summary>Per rate: the suite's secure pipeline and the insecure baseline, measured side by side with the raw hop.</summary>
    public List<SuiteLatencyPoint> Latency { get; init; } = [];

    /// <summary>The raw broker hop at saturation in this suite's app: the CPU one MQTT hop costs, for the physics ceiling.</summary>
    public BrokerHopCapacity? HopCapacity { get; init; }

    /// <summary>In-process seal + open of this suite and the bytes of a real sealed reading.</summary>
    public SuiteCryptoCost? Crypto { get; init; }

    /// <summary>Seal + open µs (p50 + p50) ÷ the secure pipeline's CPU µs per reading (sensor + broker + actuator) at the highest rate, in %.</summary>
    public double? CryptoSharePercent { get; init; }

    /// <summary>The throughput step search on the secure pipeline (null when --sustain-seconds 0).</summary>
    public ThroughputResult? Throughput { get; init; }

    /// <summary>Every sustain attempt, highest rate first; the first that passed is the highest sustained rate.</summary>
    public List<SuiteSustain> Sustain { get; init; } = [];

    public CampaignStatus Campaign { get; init; } = new(false, "not requested (--attempts 0)");

    /// <summary>The secure pipeline's campaign under this suite.</summary>
    public List<AttackResult> Attacks { get; init; } = [];

    public List<SuiteProperty> Properties { get; init; } = [];

    /// <summary>The highest rate that passed its sustain attempt, or null.</summary>
    public SuiteSustain? HighestSustained => Sustain.Where(s => s.Passed).MaxBy(s => s.TargetRatePerSecond);
}

/// <summary>One pipeline at one rate inside one suite's app run; CPU per reading from the processes' own CPU time.</summary>
public sealed record SuiteLatencyPoint(
    string Pipeline,
    double RatePerSecond,
    int Count,
    int Applied,
    int Lost,
    int RejectedLegit,
    double MeanMs,
    double P50Ms,
    double P99Ms,
    double SensorCpuUsPerReading,
    double ActuatorCpuUsPerReading,
    double? BrokerCpuUsPerReading,
    double? HopP50Ms)
{
    /// <summary>This pipeline's p50 as a multiple of the raw broker hop's p50 measured at the same time.</summary>
    public double? P50OverHop => HopP50Ms is > 0 && Applied > 0 ? P50Ms / HopP50Ms : null;

    /// <summary>Sensor + broker (when known) + actuator CPU µs per reading.</summary>
    public double PipelineCpuUsPerReading => SensorCpuUsPerReading + ActuatorCpuUsPerReading + (BrokerCpuUsPerReading ?? 0);

    /// <summary>Readings per CPU-second of the whole pipeline (comparable across machines, unlike readings/s).</summary>
    public double? ReadingsPerCpuSecond => PipelineCpuUsPerReading > 0 ? 1_000_000 / PipelineCpuUsPerReading : null;
}

/// <summary>
/// Seal and open of real readings with the suite's own sender and receiver classes, in-process; the wire bytes are the
/// lengths of the sealed data messages (what the broker carries as payload), not a formula.
/// </summary>
public sealed record SuiteCryptoCost(
    string Method,
    int Iterations,
    double SealMeanUs,
    double SealP50Us,
    double OpenMeanUs,
    double OpenP50Us,
    int PlaintextBytes,
    double WireBytesPerReading,
    int AnnouncementBytes)
{
    public double SealPlusOpenMeanUs => SealMeanUs + OpenMeanUs;

    /// <summary>Seal p50 + open p50: robust to the outliers other work on a shared machine puts into the mean.</summary>
    public double SealPlusOpenP50Us => SealP50Us + OpenP50Us;

    /// <summary>The actuator signing one acknowledgement in the suite's scheme (seed: DSA-2048, v2: Ed25519), p50.</summary>
    public double AckSignP50Us { get; init; }

    /// <summary>A device verifying that acknowledgement, p50.</summary>
    public double AckVerifyP50Us { get; init; }

    /// <summary>
    /// The crypto a reading costs when it gets an acknowledgement of its own (a steady publisher with one publish in flight; under
    /// load one acknowledgement covers up to 32 readings of a device, so this is the upper bound).
    /// </summary>
    public double PerReadingP50Us => SealPlusOpenP50Us + AckSignP50Us + AckVerifyP50Us;
}

/// <summary>One sustain attempt: back-to-back chunks of readings at one rate on the secure pipeline.</summary>
public sealed record SuiteSustain(
    double TargetRatePerSecond,
    double Seconds,
    int Readings,
    int Lost,
    int RejectedLegit,
    double P50Ms,
    double P99Ms,
    double AchievedPerSecond,
    double PipelineCpuSeconds,
    bool Passed,
    string Verdict)
{
    /// <summary>Readings carried per CPU-second of sensor + broker + actuator.</summary>
    public double? ReadingsPerCpuSecond => PipelineCpuSeconds > 0 ? (Readings - Lost - RejectedLegit) / PipelineCpuSeconds : null;
}

/// <summary>One cell of the properties table: <see cref="Source"/> says whether it is a design fact or was measured in this run.</summary>
public sealed record SuiteProperty(string Property, string Value, string Source);
