using System.Globalization;
using SmartHome.Contracts;

namespace SmartHome.Report;

public enum ReportMode
{
    Full,
    Latency,
    Throughput,
    Fleet,
    Flood,
    Chaos,
}

/// <summary>Command-line options of the report.</summary>
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

    public Dictionary<string, Uri> Urls { get; init; } = new(StringComparer.Ordinal);

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

    /// <summary>Throughput mode: publishes in flight per sensor.</summary>
    public int ThroughputConcurrency { get; init; } = 16;

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

    public bool ShowHelp { get; init; }

    public static readonly string[] UrlKeys =
        ["insecure-sensor", "insecure-actuator", "secure-sensor", "secure-actuator", "insecure-attacker", "secure-attacker"];

    public const string Usage = """
        SmartHome.Report — measured evidence for the insecure-vs-secure comparison.

        dotnet run --project services/SmartHome.Report -- [options]

          --mode full|latency|throughput|fleet|flood|chaos   full = attack campaign + latency + crypto breakdown (default)
          --attempts N        attempts per attack and level (default 100)
          --announcement-flood-seconds S
                              length of the campaign's announcement flood per level, at 1,000/s (default 60)
          --readings N        readings per pipeline in the latency run (default 10000)
          --rate R            readings/s per pipeline in the latency run (default 1000)
          --concurrency C     publishes in flight per sensor in the latency run (default 1)
          --out DIR           output directory (default metrics/ for full, metrics/MODE/ otherwise)
          --fleet N           fleet mode: device identities (default 1000)
          --fleet-keys DIR    fleet key cache (default OUT/fleet-keys)
          --crypto-iterations N   microbenchmark iterations per operation (default 2000)
          --step-seconds S    throughput mode: traffic per step (default 3)
          --throughput-concurrency C   throughput mode: publishes in flight (default 16)
          --flood-rate R      flood mode: forged messages/s (default 5000); the mix's other kinds come on top
          --flood-seconds S   flood mode: duration of the flood (default 600)
          --flood-pipeline secure|insecure|both   flood mode: pipeline(s) flooded, one after the other (default secure)
          --flood-legit-rate R   flood mode: legit readings/s during the flood (default 100)
          --flood-mix M       flood mode: kind[:weight],... of forged, malformed, oversized, replay (default forged:10,malformed:1)
          --flood-level L     flood mode: outsider|insider|compromised-broker (default compromised-broker)
          --chaos-seconds S   chaos mode: how long readings run while faults hit both pipelines (default 600)
          --chaos-rate R      chaos mode: readings/s per pipeline (default 100)
          --chaos-seed N      chaos mode: replay the fault plan of an earlier run (default: a random seed, printed)
          --broker-mode M     the started app's broker: executable (Mosquitto), embedded or container (default: the
                              AppHost's choice, Mosquitto when installed); attached: the mode to state in the report
          --keys DIR          keys of the started app (default: the repository's keys/)
          --attacker-timeout S   wait this long for an attacker to become healthy (default 120)
          --attach            use a running app; give its URLs:
              --insecure-sensor URL --insecure-actuator URL --secure-sensor URL --secure-actuator URL
              [--insecure-attacker URL --secure-attacker URL] [--broker-mode executable|embedded|container]
              --control-secret-file FILE   the AppHost's per-run secret for the POST endpoints:
                  /tmp/smarthome-apphost/<AppHost pid>/control-secret (the AppHost logs the path at start)
              (flood mode needs only the flooded pipelines' sensor, actuator and attacker)
        """;

    public static ReportOptions Parse(IReadOnlyList<string> args)
    {
        var o = new ReportOptions();
        var urls = new Dictionary<string, Uri>(StringComparer.Ordinal);
        var outGiven = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"Option {arg} needs a value.");
            int Int(int min) => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min
                ? v
                : throw new ArgumentException($"Option {arg} needs an integer >= {min}.");
            double Dbl() => double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0
                ? v
                : throw new ArgumentException($"Option {arg} needs a positive number.");
            string OneOf(params string[] allowed) => Next() is var value && allowed.Contains(value)
                ? value
                : throw new ArgumentException($"Unknown {arg} '{value}': use {string.Join(", ", allowed[..^1])} or {allowed[^1]}.");

            switch (arg)
            {
                case "-h" or "--help":
                    o = o with { ShowHelp = true };
                    break;
                case "--mode":
                    var m = Next();
                    o = o with
                    {
                        Mode = Enum.TryParse<ReportMode>(m, ignoreCase: true, out var mode) && Enum.IsDefined(mode)
                            ? mode
                            : throw new ArgumentException($"Unknown mode '{m}': use full, latency, throughput, fleet, flood or chaos."),
                    };
                    break;
                case "--attempts": o = o with { Attempts = Int(1) }; break;
                case "--announcement-flood-seconds": o = o with { AnnouncementFloodSeconds = Dbl() }; break;
                case "--readings": o = o with { Readings = Int(1) }; break;
                case "--rate": o = o with { RatePerSecond = Dbl() }; break;
                case "--concurrency": o = o with { Concurrency = Int(1) }; break;
                case "--out": o = o with { OutputDirectory = Next() }; outGiven = true; break;
                case "--fleet": o = o with { FleetSize = Int(1) }; break;
                case "--fleet-keys": o = o with { FleetKeysDirectory = Next() }; break;
                case "--crypto-iterations": o = o with { CryptoIterations = Int(10) }; break;
                case "--step-seconds": o = o with { StepSeconds = Dbl() }; break;
                case "--throughput-concurrency": o = o with { ThroughputConcurrency = Int(1) }; break;
                case "--keys": o = o with { KeysDirectory = Next() }; break;
                case "--attacker-timeout": o = o with { AttackerTimeout = TimeSpan.FromSeconds(Dbl()) }; break;
                case "--attach": o = o with { Attach = true }; break;
                case "--broker-mode": o = o with { BrokerMode = OneOf("executable", "embedded", "container") }; break;
                case "--control-secret-file": o = o with { ControlSecretFile = Next() }; break;
                case "--flood-rate": o = o with { FloodRate = Dbl() }; break;
                case "--flood-seconds": o = o with { FloodSeconds = Int(1) }; break;
                case "--flood-legit-rate": o = o with { FloodLegitRate = Dbl() }; break;
                case "--flood-pipeline":
                    o = o with
                    {
                        FloodPipelines = OneOf("secure", "insecure", "both") switch
                        {
                            "both" => ["secure", "insecure"],
                            var one => [one],
                        },
                    };
                    break;
                case "--flood-mix": o = o with { FloodMix = Next() }; break;
                case "--chaos-seconds": o = o with { ChaosSeconds = Dbl() }; break;
                case "--chaos-rate": o = o with { ChaosRate = Dbl() }; break;
                case "--chaos-seed": o = o with { ChaosSeed = Int(1) }; break;
                case "--flood-level": o = o with { FloodLevel = OneOf("outsider", "insider", "compromised-broker") }; break;
                default:
                    var key = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..] : arg;
                    if (UrlKeys.Contains(key))
                    {
                        var text = Next();
                        urls[key] = Uri.TryCreate(text, UriKind.Absolute, out var uri)
                            ? uri
                            : throw new ArgumentException($"Option {arg} needs an absolute URL, got '{text}'.");
                        break;
                    }

                    throw new ArgumentException($"Unknown option '{arg}'. Use --help.");
            }
        }

        o = o with { Urls = urls };
        if (!outGiven && o.Mode != ReportMode.Full)
        {
            // Each separate mode gets its own folder, so it never overwrites the full report.
            o = o with { OutputDirectory = Path.Combine("metrics", o.Mode.ToString().ToLowerInvariant()) };
        }

        if (o.Mode == ReportMode.Flood)
        {
            var shares = FloodPlan.ParseMix(o.FloodMix);
            if (o.FloodSeconds > 3_600)
            {
                throw new ArgumentException("--flood-seconds must be 1..3600 (the attacker's bound).");
            }

            var total = FloodPlan.AttackerRate(o.FloodRate, shares);
            if (total > 50_000)
            {
                throw new ArgumentException($"--flood-rate {Fmt.Rate(o.FloodRate)} with --flood-mix {o.FloodMix} asks the attacker for {Fmt.Rate(total)} messages/s; its bound is 50000.");
            }
        }

        if (o.Mode == ReportMode.Chaos)
        {
            if (o.Attach)
            {
                throw new ArgumentException("--mode chaos starts its own app: it kills and pauses the app's processes, so it does not attach.");
            }

            if (o.ChaosSeconds > 86_400 || o.ChaosRate > 2_000)
            {
                throw new ArgumentException("--chaos-seconds must be at most 86400 and --chaos-rate at most 2000 readings/s.");
            }
        }

        if (o.Attach && o.Mode == ReportMode.Flood)
        {
            var missing = o.FloodPipelines.SelectMany(p => new[] { $"{p}-sensor", $"{p}-actuator", $"{p}-attacker" }).Where(k => !urls.ContainsKey(k)).ToList();
            if (missing.Count > 0)
            {
                throw new ArgumentException($"--attach --mode flood needs the URLs of {string.Join(", ", missing.Select(k => "--" + k))}.");
            }
        }
        else if (o.Attach && o.Mode != ReportMode.Fleet)
        {
            var missing = UrlKeys.Take(4).Where(k => !urls.ContainsKey(k)).ToList();
            if (missing.Count > 0)
            {
                throw new ArgumentException($"--attach needs the URLs of {string.Join(", ", missing.Select(k => "--" + k))}.");
            }
        }

        if (o.Attach && o.Mode != ReportMode.Fleet && o.ControlSecretFile is null)
        {
            throw new ArgumentException("--attach needs --control-secret-file: the running AppHost's run directory holds it " +
                                        "(/tmp/smarthome-apphost/<AppHost pid>/control-secret; the AppHost logs the path at start).");
        }

        if (o.ControlSecretFile is { } secretFile)
        {
            try
            {
                o = o with { ControlSecret = File.ReadAllText(secretFile).Trim() };
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"--control-secret-file {secretFile}: {ex.Message}", ex);
            }
        }

        return o;
    }
}
