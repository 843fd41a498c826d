using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using SmartHome.Contracts;
using SmartHome.Report.Flood;
using SmartHome.Tools;

namespace SmartHome.Report;

/// <summary>
/// The report's command line: every option with its default and per-option check (System.CommandLine), bound to an
/// immutable <see cref="ReportOptions"/> and then checked across options. Exit codes: 2 for a command line it rejects.
/// </summary>
public sealed class ReportCommandLine
{
    public const int ExitUsage = UsageErrors.ExitCode;

    private const string HelpHint = UsageErrors.HelpHint;

    /// <summary>
    /// Suites mode's campaign: enough attempts per attack and level to show a suite stops each attack, with a short announcement
    /// flood, so three suites' campaigns fit the run's budget (about 30 min on a 2-core machine).
    /// </summary>
    public const int SuitesDefaultAttempts = 10;

    public const double SuitesDefaultFloodSeconds = 10;

    private readonly Option<string> _mode = OneOf("--mode", "What to measure; full = attack campaign + latency + crypto breakdown.", "full",
        "Unknown mode '{0}': use full, latency, throughput, fleet, flood, chaos or suites.", ignoreCase: true,
        "full", "latency", "throughput", "fleet", "flood", "chaos", "suites");

    private readonly Option<int> _attempts = Int("--attempts",
        $"Attempts per attack and level (default 100; suites mode: {SuitesDefaultAttempts} per suite, 0 skips its campaign).", 100, 0);

    private readonly Option<double> _announcementFloodSeconds = Positive("--announcement-flood-seconds",
        $"Length of the campaign's announcement flood per level, at 1,000/s (suites mode: {SuitesDefaultFloodSeconds} s).", 60);

    private readonly Option<string> _suites = new("--suites")
    {
        Description = "Suites mode: the crypto suites compared, comma-separated (seed, modern, session-signed), one app run each.",
        HelpName = "LIST",
        DefaultValueFactory = _ => "seed,modern,session-signed",
    };

    private readonly Option<string> _suiteRates = new("--suite-rates")
    {
        Description = "Suites mode: readings/s of the latency runs, comma-separated (each 0.1..5000).",
        HelpName = "LIST",
        DefaultValueFactory = _ => "4,100,1000",
    };

    private readonly Option<double> _suiteSeconds = Positive("--suite-seconds", "Suites mode: seconds of traffic per rate (at least 10 readings).", 20);

    private readonly Option<double> _sustainSeconds = new("--sustain-seconds")
    {
        Description = "Suites mode: seconds the search's highest rate is sustained (0: no throughput search and no sustain; at most 600).",
        HelpName = "X",
        DefaultValueFactory = _ => 60,
        CustomParser = r =>
        {
            if (double.TryParse(r.Tokens[0].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v is >= 0 and <= 600)
            {
                return v;
            }

            r.AddError("Option --sustain-seconds needs a number 0..600.");
            return 0;
        },
    };

    /// <summary>
    /// The report reads a run's decisions from the actuator's log afterwards, which keeps only the newest
    /// <see cref="Decision.DefaultLogCapacity"/>; a tenth of it stays free for the run's other decisions (session-key
    /// announcements, second copies of retransmitted readings).
    /// </summary>
    public const int MaxLatencyReadings = Decision.DefaultLogCapacity / 10 * 9;

    private readonly Option<int> _readings = Int("--readings",
        $"Readings per pipeline in the latency run, at most {MaxLatencyReadings} (what an actuator's decision log keeps, less room for key announcements and retransmissions).", 10_000, 1,
        max: MaxLatencyReadings);

    private readonly Option<double> _rate = Positive("--rate", "Readings/s per pipeline in the latency run.", 1000);

    private readonly Option<int> _concurrency = Int("--concurrency", "Publishes in flight per sensor in the latency run.", 1, 1);

    private readonly Option<string?> _out = new("--out")
    {
        Description = "Output directory (default: metrics/ for full, metrics/MODE/ otherwise).",
        HelpName = "DIR",
    };

    private readonly Option<int> _fleet = Int("--fleet", "Fleet mode: device identities.", 1000, 1);

    private readonly Option<string?> _fleetKeys = new("--fleet-keys") { Description = "Fleet key cache (default: OUT/fleet-keys).", HelpName = "DIR" };

    private readonly Option<int> _cryptoIterations = Int("--crypto-iterations", "Microbenchmark iterations per operation.", 2000, 10);

    private readonly Option<double> _stepSeconds = Positive("--step-seconds", "Throughput mode: traffic per step in seconds.", 3);

    private readonly Option<int> _throughputConcurrency = Int("--throughput-concurrency",
        "Throughput and suites modes: publishes in flight during rate searches (the sensor takes at most 256).",
        ReportOptions.DefaultThroughputConcurrency, 1, 256);

    private readonly Option<double> _floodRate = Positive("--flood-rate", "Flood mode: forged messages/s; the mix's other kinds come on top.", 5000);

    private readonly Option<int> _floodSeconds = Int("--flood-seconds", "Flood mode: duration of the flood in seconds (at most 3600).", 600, 1);

    private readonly Option<string> _floodPipeline = OneOf("--flood-pipeline", "Flood mode: pipeline(s) flooded, one after the other.",
        "secure", null, ignoreCase: false, "secure", "insecure", "both");

    private readonly Option<double> _floodLegitRate = Positive("--flood-legit-rate", "Flood mode: legit readings/s during the flood.", 100);

    private readonly Option<string> _floodMix = new("--flood-mix")
    {
        Description = "Flood mode: kind[:weight],... of forged, malformed, oversized, replay.",
        HelpName = "MIX",
        DefaultValueFactory = _ => "forged:10,malformed:1",
    };

    private readonly Option<string> _floodLevel = OneOf("--flood-level", "Flood mode: the attacker's capability level.", "compromised-broker",
        null, ignoreCase: false, "outsider", "insider", "compromised-broker");

    private readonly Option<double> _chaosSeconds = Positive("--chaos-seconds",
        "Chaos mode: how long readings run while faults hit both pipelines (at most 86400).", 600);

    private readonly Option<double> _chaosRate = Positive("--chaos-rate", "Chaos mode: readings/s per pipeline (at most 2000).", 100);

    private readonly Option<int?> _chaosSeed = new("--chaos-seed")
    {
        Description = "Chaos mode: replay the fault plan of an earlier run (default: a random seed, printed).",
        HelpName = "N",
        CustomParser = r => ParseInt(r, 1),
    };

    private readonly Option<string> _brokerMode = OneOf("--broker-mode",
        "The started app's broker: executable (Mosquitto), embedded or container (default: the AppHost's choice, Mosquitto when " +
        "installed); attached: the mode to state in the report (default: executable).", null, null, ignoreCase: false,
        "executable", "embedded", "container");

    private readonly Option<string?> _keys = new("--keys") { Description = "Keys of the started app (default: the repository's keys/).", HelpName = "DIR" };

    private readonly Option<double> _attackerTimeout = Positive("--attacker-timeout", "Wait this many seconds for an attacker to become healthy.", 120);

    private readonly Option<bool> _attach = new("--attach")
    {
        Description = "Use a running app instead of starting one; give its URLs (--insecure-sensor ... --secure-actuator, and the attackers " +
                      "for the campaign) and --control-secret-file. Flood mode needs only the flooded pipelines' sensor, actuator and attacker.",
    };

    private readonly Dictionary<string, Option<Uri?>> _urls = ReportOptions.UrlKeys.ToDictionary(k => k, UrlOption, StringComparer.Ordinal);

    private readonly Option<string?> _controlSecretFile = new("--control-secret-file")
    {
        Description = "Attached: the AppHost's per-run secret for the POST endpoints, /tmp/smarthome-apphost/<AppHost pid>/control-secret " +
                      "(the AppHost logs the path at start).",
        HelpName = "FILE",
    };

    public ReportCommandLine()
    {
        Root = new RootCommand("SmartHome.Report — measured evidence for the insecure-vs-secure comparison. " +
                               "Run: dotnet run --project services/tools/SmartHome.Report -- [options]")
        {
            _mode, _attempts, _announcementFloodSeconds, _readings, _rate, _concurrency, _out, _fleet, _fleetKeys, _cryptoIterations,
            _stepSeconds, _throughputConcurrency, _floodRate, _floodSeconds, _floodPipeline, _floodLegitRate, _floodMix, _floodLevel,
            _chaosSeconds, _chaosRate, _chaosSeed, _brokerMode, _keys, _attackerTimeout, _attach, _suites, _suiteRates, _suiteSeconds,
            _sustainSeconds,
        };
        foreach (var url in _urls.Values)
        {
            Root.Options.Add(url);
        }

        Root.Options.Add(_controlSecretFile);
    }

    public RootCommand Root { get; }

    /// <summary>
    /// Parses, checks and runs <paramref name="run"/> with the options; --help prints the options and exits 0; a rejected command
    /// line prints its problems one a line and exits <see cref="ExitUsage"/>.
    /// </summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, Func<ReportOptions, CancellationToken, Task<int>> run,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var commandLine = new ReportCommandLine();
        var parse = commandLine.Root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            return await UsageAsync(parse.Errors.Select(e => e.Message)).ConfigureAwait(false);
        }

        commandLine.Root.SetAction(async (result, ct) =>
        {
            ReportOptions options;
            try
            {
                options = commandLine.Bind(result);
            }
            catch (ArgumentException ex)
            {
                return await UsageAsync([ex.Message]).ConfigureAwait(false);
            }

            return await run(options, ct).ConfigureAwait(false);
        });

        // Program.cs owns Ctrl+C (the started app must shut down cleanly, however long that takes) and exceptions stay unhandled.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false };
        return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Parses and checks like <see cref="RunAsync"/>; a rejected command line throws <see cref="ArgumentException"/>.</summary>
    public static ReportOptions Parse(IReadOnlyList<string> args)
    {
        var commandLine = new ReportCommandLine();
        var parse = commandLine.Root.Parse(args);
        return parse.Errors.Count > 0
            ? throw new ArgumentException(string.Join(Environment.NewLine, parse.Errors.Select(e => e.Message)))
            : commandLine.Bind(parse);
    }

    /// <summary>The options of a parse without errors, checked across options (throws <see cref="ArgumentException"/>).</summary>
    public ReportOptions Bind(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var mode = Enum.Parse<ReportMode>(parse.GetValue(_mode) ?? "full", ignoreCase: true);
        var urls = new Dictionary<string, Uri>(StringComparer.Ordinal);
        foreach (var (key, option) in _urls)
        {
            if (parse.GetValue(option) is { } uri)
            {
                urls[key] = uri;
            }
        }

        var suites = mode == ReportMode.Suites;
        var o = new ReportOptions
        {
            Mode = mode,
            Attempts = suites && Implicit(parse, _attempts) ? SuitesDefaultAttempts : parse.GetValue(_attempts),
            AnnouncementFloodSeconds = suites && Implicit(parse, _announcementFloodSeconds) ? SuitesDefaultFloodSeconds : parse.GetValue(_announcementFloodSeconds),
            Suites = SuiteList(parse.GetValue(_suites) ?? string.Empty),
            SuiteRates = RateList(parse.GetValue(_suiteRates) ?? string.Empty),
            SuiteSeconds = parse.GetValue(_suiteSeconds),
            SustainSeconds = parse.GetValue(_sustainSeconds),
            Readings = parse.GetValue(_readings),
            RatePerSecond = parse.GetValue(_rate),
            Concurrency = parse.GetValue(_concurrency),
            // Each separate mode gets its own folder, so it never overwrites the full report.
            OutputDirectory = parse.GetValue(_out) ?? (mode == ReportMode.Full ? "metrics" : Path.Combine("metrics", mode.ToString().ToLowerInvariant())),
            FleetSize = parse.GetValue(_fleet),
            FleetKeysDirectory = parse.GetValue(_fleetKeys),
            CryptoIterations = parse.GetValue(_cryptoIterations),
            KeysDirectory = parse.GetValue(_keys),
            Attach = parse.GetValue(_attach),
            Urls = urls,
            ControlSecretFile = parse.GetValue(_controlSecretFile),
            BrokerMode = parse.GetValue(_brokerMode),
            StepSeconds = parse.GetValue(_stepSeconds),
            ThroughputConcurrency = parse.GetValue(_throughputConcurrency),
            AttackerTimeout = TimeSpan.FromSeconds(parse.GetValue(_attackerTimeout)),
            FloodRate = parse.GetValue(_floodRate),
            FloodSeconds = parse.GetValue(_floodSeconds),
            FloodPipelines = parse.GetValue(_floodPipeline) == "both" ? ["secure", "insecure"] : [parse.GetValue(_floodPipeline) ?? "secure"],
            FloodLegitRate = parse.GetValue(_floodLegitRate),
            FloodMix = parse.GetValue(_floodMix) ?? "forged:10,malformed:1",
            FloodLevel = parse.GetValue(_floodLevel) ?? "compromised-broker",
            ChaosSeconds = parse.GetValue(_chaosSeconds),
            ChaosRate = parse.GetValue(_chaosRate),
            ChaosSeed = parse.GetValue(_chaosSeed),
        };
        return Check(o);
    }

    /// <summary>True when the option was not on the command line (its default applies).</summary>
    private static bool Implicit(ParseResult parse, Option option) => parse.GetResult(option) is null or { Implicit: true };

    /// <summary>--suites: known suite names, no repeats, at least one.</summary>
    public static IReadOnlyList<string> SuiteList(string text)
    {
        var names = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var unknown = names.Where(n => !SmartHome.Security.CryptoSuites.Names.Contains(n, StringComparer.Ordinal)).ToList();
        if (names.Length == 0 || unknown.Count > 0)
        {
            throw new ArgumentException($"--suites '{text}': use a comma-separated list of {string.Join(", ", SmartHome.Security.CryptoSuites.Names)}.");
        }

        return names.Distinct(StringComparer.Ordinal).Count() == names.Length
            ? names
            : throw new ArgumentException($"--suites '{text}' names a suite twice.");
    }

    /// <summary>--suite-rates: positive readings/s up to 5,000 (the sensor publishes one at a time here), no repeats, in the order given.</summary>
    public static IReadOnlyList<double> RateList(string text)
    {
        var rates = new List<double>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) || r is < 0.1 or > 5000 || rates.Contains(r))
            {
                throw new ArgumentException($"--suite-rates '{text}': '{part}' is not a new rate of 0.1..5000 readings/s.");
            }

            rates.Add(r);
        }

        return rates.Count > 0 ? rates : throw new ArgumentException("--suite-rates needs at least one rate.");
    }

    /// <summary>The checks that involve more than one option, and reading the control secret.</summary>
    private static ReportOptions Check(ReportOptions o)
    {
        if (o.Attempts == 0 && o.Mode != ReportMode.Suites)
        {
            throw new ArgumentException("--attempts 0 (skip the campaign) is for --mode suites; the other modes need at least 1.");
        }

        if (o.Mode == ReportMode.Suites && o.Attach)
        {
            throw new ArgumentException("--mode suites starts one app per suite itself, so it does not attach.");
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
            var missing = o.FloodPipelines.SelectMany(p => new[] { $"{p}-sensor", $"{p}-actuator", $"{p}-attacker" }).Where(k => !o.Urls.ContainsKey(k)).ToList();
            if (missing.Count > 0)
            {
                throw new ArgumentException($"--attach --mode flood needs the URLs of {string.Join(", ", missing.Select(k => "--" + k))}.");
            }
        }
        else if (o.Attach && o.Mode != ReportMode.Fleet)
        {
            var missing = ReportOptions.UrlKeys.Take(4).Where(k => !o.Urls.ContainsKey(k)).ToList();
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
                return o with { ControlSecret = File.ReadAllText(secretFile).Trim() };
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ArgumentException($"--control-secret-file {secretFile}: {ex.Message}", ex);
            }
        }

        return o;
    }

    private static async Task<int> UsageAsync(IEnumerable<string> problems)
    {
        foreach (var problem in problems)
        {
            await Console.Error.WriteLineAsync(problem).ConfigureAwait(false);
        }

        await Console.Error.WriteLineAsync(HelpHint).ConfigureAwait(false);
        return ExitUsage;
    }

    private static Option<int> Int(string name, string description, int defaultValue, int min, int max = int.MaxValue) => new(name)
    {
        Description = description + (min > 1 ? $" At least {min}." : string.Empty),
        HelpName = "N",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r => ParseInt(r, min, max) ?? 0,
    };

    private static int? ParseInt(ArgumentResult r, int min, int max = int.MaxValue)
    {
        if (int.TryParse(r.Tokens[0].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max)
        {
            return v;
        }

        r.AddError(max == int.MaxValue
            ? $"Option {OptionName(r)} needs an integer >= {min}."
            : $"Option {OptionName(r)} needs an integer {min}..{max}.");
        return null;
    }

    private static Option<double> Positive(string name, string description, double defaultValue) => new(name)
    {
        Description = description,
        HelpName = "X",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = r =>
        {
            if (double.TryParse(r.Tokens[0].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0)
            {
                return v;
            }

            r.AddError($"Option {OptionName(r)} needs a positive number.");
            return 0;
        },
    };

    /// <summary>An option taking one of <paramref name="allowed"/>; <paramref name="error"/> ({0}: the value) replaces the usual sentence.</summary>
    private static Option<string> OneOf(string name, string description, string? defaultValue, string? error, bool ignoreCase,
        params string[] allowed)
    {
        var option = new Option<string>(name)
        {
            Description = description,
            HelpName = string.Join('|', allowed),
            CustomParser = r =>
            {
                var value = r.Tokens[0].Value;
                var known = allowed.FirstOrDefault(a => string.Equals(a, value, ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal));
                if (known is not null)
                {
                    return known;
                }

                r.AddError(error is null
                    ? $"Unknown {name} '{value}': use {string.Join(", ", allowed[..^1])} or {allowed[^1]}."
                    : string.Format(CultureInfo.InvariantCulture, error, value));
                return null!;
            },
        };
        if (defaultValue is not null)
        {
            option.DefaultValueFactory = _ => defaultValue;
        }

        return option;
    }

    private static Option<Uri?> UrlOption(string key) => new("--" + key)
    {
        Description = $"Attached: the URL of {key}.",
        HelpName = "URL",
        // System.CommandLine does not convert Uri by itself.
        CustomParser = r =>
        {
            var text = r.Tokens[0].Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri))
            {
                return uri;
            }

            r.AddError($"Option --{key} needs an absolute URL, got '{text}'.");
            return null;
        },
    };

    private static string OptionName(ArgumentResult r) => r.Parent is OptionResult option ? option.Option.Name : "?";
}
