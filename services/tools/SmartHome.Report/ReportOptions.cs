namespace SmartHome.Report;

public enum ReportMode
{
    Full,
    Latency,
    Throughput,
    Fleet,
    Flood,
    Chaos,
    Suites,
}

/// <summary>Command-line options of the report, as <see cref="ReportCommandLine"/> parsed and checked them.</summary>
public sealed record ReportOptions
{
    public ReportMode Mode { get; init; } = ReportMode.Full;

    public int Attempts { get; init; } = 100;

    /// <summary>How long the campaign's announcement flood lasts at each capability level (at 1,000 announcements/s).</summary>
    public double AnnouncementFloodSeconds { get; init; } = 60;

    public int Readings { get; init; } = 10_000;

    public double RatePerSecond { get; init; } = 1000;

    /// <summary>Publishes in flight per sensor during the latency run (1 = the sensor's sequential default).</summary>
    public int Concurrency { get; init; } = 1;

    public string OutputDirectory { get; init; } = "metrics";

    public int FleetSize { get; init; } = 1000;

    /// <summary>Where fleet keys are cached between runs (default: OUT/fleet-keys).</summary>
    public string? FleetKeysDirectory { get; init; }

    public int CryptoIterations { get; init; } = 2000;

    /// <summary>Keys directory of the started app (default: the repository's keys/).</summary>
    public string? KeysDirectory { get; init; }

    /// <summary>Attach to a running app instead of starting one.</summary>
    public bool Attach { get; init; }

    public IReadOnlyDictionary<string, Uri> Urls { get; init; } = new Dictionary<string, Uri>(StringComparer.Ordinal);

    /// <summary>Attach mode: the running AppHost's control-secret file (its run directory; the AppHost logs the path at start).</summary>
    public string? ControlSecretFile { get; init; }

    /// <summary>Attach mode: the secret read from <see cref="ControlSecretFile"/> (the started app's own is read from the app).</summary>
    public string? ControlSecret { get; init; }

    /// <summary>
    /// Attached: the broker mode to state in the report. Started: the <c>Broker:Mode</c> the AppHost is asked for (null: its
    /// own default, Mosquitto when installed, else the embedded broker); the mode it chose is read from its model.
    /// </summary>
    public string? BrokerMode { get; init; }

    /// <summary>Throughput mode: readings per step are about this many seconds of traffic (bounded).</summary>
    public double StepSeconds { get; init; } = 3;

    /// <summary>
    /// Publishes in flight per sensor in throughput searches. A publish holds its slot until the outbox's fsync and the broker's
    /// PUBACK, ≈ 10 ms under load on this project's 2-core machine, so 16 capped every pipeline near 1,600/s with CPU to spare.
    /// </summary>
    public const int DefaultThroughputConcurrency = 64;

    /// <summary>Throughput mode and suites mode's searches: publishes in flight per sensor.</summary>
    public int ThroughputConcurrency { get; init; } = DefaultThroughputConcurrency;

    /// <summary>How long to wait for an attacker to become healthy after starting it.</summary>
    public TimeSpan AttackerTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Flood mode: forged messages/s (the mix's other kinds come on top, in proportion to their weights).</summary>
    public double FloodRate { get; init; } = 5000;

    /// <summary>Flood mode: how long the flood lasts.</summary>
    public int FloodSeconds { get; init; } = 600;

    /// <summary>Flood mode: the pipelines flooded, one after the other (secure first).</summary>
    public IReadOnlyList<string> FloodPipelines { get; init; } = ["secure"];

    /// <summary>Flood mode: legit readings/s the sensor publishes during the flood.</summary>
    public double FloodLegitRate { get; init; } = 100;

    /// <summary>Flood mode: the attacker's mix, <c>kind[:weight]</c> (forged, malformed, oversized, replay).</summary>
    public string FloodMix { get; init; } = "forged:10,malformed:1";

    /// <summary>Flood mode: the attacker's capability level.</summary>
    public string FloodLevel { get; init; } = "compromised-broker";

    /// <summary>Chaos mode: how long readings run while faults are injected.</summary>
    public double ChaosSeconds { get; init; } = 600;

    /// <summary>Chaos mode: readings/s per pipeline.</summary>
    public double ChaosRate { get; init; } = 100;

    /// <summary>Chaos mode: the fault plan's seed (null: a random one, printed so the run can be replayed).</summary>
    public int? ChaosSeed { get; init; }

    /// <summary>Suites mode: the suites compared, in order (each in its own app run).</summary>
    public IReadOnlyList<string> Suites { get; init; } = ["seed", "modern", "session-signed"];

    /// <summary>Suites mode: the rates of the latency runs (readings/s).</summary>
    public IReadOnlyList<double> SuiteRates { get; init; } = [4, 100, 1000];

    /// <summary>Suites mode: seconds of traffic per rate (at least 10 readings).</summary>
    public double SuiteSeconds { get; init; } = 20;

    /// <summary>Suites mode: length of the sustain at the search's highest rate; 0 skips the search and the sustain.</summary>
    public double SustainSeconds { get; init; } = 60;

    public static readonly string[] UrlKeys =
        ["insecure-sensor", "insecure-actuator", "secure-sensor", "secure-actuator", "insecure-attacker", "secure-attacker",
            // mqtt://host:port of the insecure pipeline's broker, for the raw broker-hop floor (optional).
            "insecure-broker"];

    /// <summary>Parses a command line as the report does; a rejected one throws <see cref="ArgumentException"/> (one problem a line).</summary>
    public static ReportOptions Parse(IReadOnlyList<string> args) => ReportCommandLine.Parse(args);
}
