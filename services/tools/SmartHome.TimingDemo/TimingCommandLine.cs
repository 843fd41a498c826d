using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Net;
using SmartHome.Tools;

namespace SmartHome.TimingDemo;

/// <summary>
/// <c>demo | sweep | serve | attack [options]</c>; each command lists only the options it reads, with their defaults.
/// Exit codes: 0 ok, 1 runtime error, 2 bad command line, 3 attack incomplete.
/// </summary>
public static class TimingCommandLine
{
    public const int ExitUsage = UsageErrors.ExitCode;
    public const int DefaultAmplify = 100;
    public const int DefaultNetworkAmplify = 2000;
    public const int DefaultPort = 5077;
    public const int DefaultBudgetSeconds = 180;
    public const int DefaultLimitSeconds = 40;
    public const double DefaultNetworkKeep = 1.0;
    public static readonly IReadOnlyList<int> DefaultLimitLevels = [2000, 500, 100, 20, 0];

    public static RootCommand Build(ITimingCommands commands)
    {
        ArgumentNullException.ThrowIfNull(commands);
        var root = new RootCommand("Timing attack on an early-exit token comparison vs CryptographicOperations.FixedTimeEquals.")
        {
            DemoCommand(commands), ServeCommand(commands), AttackCommand(commands), SweepCommand(commands),
        };
        // "help" and a bare invocation printed the usage before System.CommandLine; both still do.
        var help = new Command("help", "Shows this help.");
        help.SetAction(parse => root.Parse("--help").Invoke(parse.InvocationConfiguration));
        root.Subcommands.Add(help);
        root.SetAction(parse => root.Parse("--help").Invoke(parse.InvocationConfiguration));
        return root;
    }

    private static Command DemoCommand(ITimingCommands commands)
    {
        var measurement = new MeasurementOptions();
        var attack = new AttackStatisticsOptions();
        var netAmplify = Integer("--net-amplify", "Spin iterations per correct byte of the vulnerable verifier behind the TCP server.",
            DefaultNetworkAmplify, 0);
        var noNetwork = new Option<bool>("--no-network") { Description = "Skip the serve+attack runs over loopback TCP." };
        var noUnamplified = new Option<bool>("--no-unamplified-attack") { Description = "Skip the in-process attacks on the unamplified verifier." };
        var budget = Integer("--budget", "Total time budget of the demo in seconds; what does not fit is reported as not run.", DefaultBudgetSeconds, 10);
        var keep = Keep();
        // Text, parsed when bound: System.CommandLine would show a list default as "2000|500|...", not as it is typed.
        var limitLevels = new Option<string>("--limit-levels")
        {
            Description = "Detection-limit sweep over TCP: amplifications (iterations per correct byte) to try with both techniques, comma-separated.",
            HelpName = "n,n,...",
            DefaultValueFactory = _ => string.Join(',', DefaultLimitLevels),
        };
        limitLevels.Validators.Add(r =>
        {
            if (ParseLevels(r.GetValueOrDefault<string>()) is null)
            {
                r.AddError("--limit-levels must be whole numbers of at least 0, comma-separated, like 2000,500,100,20,0.");
            }
        });
        var limitSeconds = Integer("--limit-seconds", "At most this many seconds for each run of the detection-limit sweep.", DefaultLimitSeconds, 1);

        var command = new Command("demo", "All in one, in-process and over loopback TCP (response time and response order side by side, then the detection limit), within --budget; writes tables, CSV and PNG.")
        {
            netAmplify, noNetwork, noUnamplified, budget, keep, limitLevels, limitSeconds,
        };
        measurement.AddTo(command);
        attack.AddTo(command);
        command.SetAction(async (parse, _) =>
        {
            var m = measurement.Bind(parse, attack);
            return await commands.DemoAsync(new DemoArguments(m.Seed, m.Amplify, m.SweepSamples, m.Repetitions, m.Out, m.Secret, m.Attack,
                !parse.GetValue(noUnamplified),
                parse.GetValue(noNetwork) ? null : parse.GetValue(netAmplify), TimeSpan.FromSeconds(parse.GetValue(budget)), parse.GetValue(keep),
                ParseLevels(parse.GetRequiredValue(limitLevels))!, TimeSpan.FromSeconds(parse.GetValue(limitSeconds)))).ConfigureAwait(false);
        });
        return command;
    }

    private static Command SweepCommand(ITimingCommands commands)
    {
        var measurement = new MeasurementOptions();
        // The sweep runs no attack, but its summary describes the attack statistics these options set.
        var attack = new AttackStatisticsOptions(withContinue: false);
        var command = new Command("sweep", "Only the time-vs-prefix-length measurement and its plot.");
        measurement.AddTo(command);
        attack.AddTo(command);
        command.SetAction(parse => commands.Sweep(measurement.Bind(parse, attack)));
        return command;
    }

    private static Command ServeCommand(ITimingCommands commands)
    {
        var seed = Seed("Seed of the secret (unless --secret).");
        var verifier = new Option<string>("--verifier")
        {
            Description = "vulnerable (early exit), or constant-time (FixedTimeEquals).",
            HelpName = "vulnerable|constant-time",
            DefaultValueFactory = _ => "vulnerable",
        };
        verifier.Validators.Add(r =>
        {
            if (ParseVerifier(r.GetValueOrDefault<string>()) is null)
            {
                r.AddError($"Unknown verifier '{r.GetValueOrDefault<string>()}' (vulnerable|constant-time).");
            }
        });
        var amplify = Amplify(DefaultNetworkAmplify);
        var secret = Secret();
        var host = Host("Loopback address to listen on.");
        var port = Integer("--port", "TCP port to listen on (0: any free one).", DefaultPort, 0, IPEndPoint.MaxPort);
        var seconds = Integer("--seconds", "Stop after this many seconds (0: at Ctrl+C).", 0, 0);
        var timeless = new Option<bool>("--timeless")
        {
            Description = "Serve request pairs (ids, both checked at once, each answered as soon as decided) for attack --timeless.",
        };
        var command = new Command("serve", "Serves one verifier on a loopback TCP port, for attack.") { seed, verifier, amplify, secret, host, port, seconds, timeless };
        command.SetAction((parse, _) => commands.ServeAsync(new ServeArguments(parse.GetValue(seed), ParseVerifier(parse.GetRequiredValue(verifier))!.Value,
            parse.GetValue(amplify), HexValue(parse, secret), parse.GetRequiredValue(host), parse.GetValue(port), parse.GetValue(seconds),
            parse.GetValue(timeless))));
        return command;
    }

    private static Command AttackCommand(ITimingCommands commands)
    {
        var seed = Seed("Seed of the sampling order.");
        var host = Host("Loopback address of the serve.");
        var port = Integer("--port", "TCP port of the serve.", DefaultPort, 1, IPEndPoint.MaxPort);
        var expect = Hex("--expect", "The secret serve printed, to grade the recovered bytes (hex, 1..64 bytes).");
        var warmup = Integer("--warmup", "Queries with random tokens before byte 0, so that both ends settle.", 2000, 0);
        var output = Out();
        var keep = Keep();
        var timeless = new Option<bool>("--timeless")
        {
            Description = "Race request pairs and read only the order of the answers (needs serve --timeless); --keep does not apply.",
        };
        var seconds = Integer("--seconds", "Time budget of the attack in seconds (0: none; it then ends on --samples).", 0, 0);
        var attack = new AttackStatisticsOptions();
        var command = new Command("attack", "Recovers the secret of a running serve byte by byte over loopback TCP (exit 3: not all of it).")
        {
            seed, host, port, expect, warmup, output, keep, timeless, seconds,
        };
        attack.AddTo(command);
        command.SetAction(parse => commands.Attack(new AttackArguments(parse.GetRequiredValue(host), parse.GetValue(port), HexValue(parse, expect),
            attack.Bind(parse, parse.GetValue(seed)) with { WarmupQueries = parse.GetValue(warmup), Keep = parse.GetValue(keep) },
            parse.GetRequiredValue(output), parse.GetValue(timeless), parse.GetValue(seconds))));
        return command;
    }

    /// <summary>"2000,500,0" as levels; null when any part is not a whole number of at least 0, or there is none.</summary>
    private static List<int>? ParseLevels(string? text)
    {
        var levels = new List<int>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var level) || level < 0)
            {
                return null;
            }

            levels.Add(level);
        }

        return levels.Count > 0 ? levels : null;
    }

    /// <summary>The early-exit verifier under any of its names; null when unknown.</summary>
    private static VerifierKind? ParseVerifier(string? name) => name?.ToLowerInvariant() switch
    {
        "vulnerable" or "early-exit" => VerifierKind.Vulnerable,
        "constant" or "constant-time" or "hardened" or "fixed" => VerifierKind.ConstantTime,
        _ => null,
    };

    /// <summary>The estimator under any of its names; null when unknown.</summary>
    private static Estimator? ParseEstimator(string? name) => name?.ToLowerInvariant() switch
    {
        "median" => Estimator.Median,
        "trimmed" or "trimmed-mean" or "trimmedmean" => Estimator.TrimmedMean,
        "low" or "p10" or "low-percentile" => Estimator.LowPercentile,
        _ => null,
    };

    private static Option<int> Seed(string description) => Integer("--seed", description, 42, int.MinValue);

    private static Option<int> Amplify(int fallback) =>
        Integer("--amplify", "Spin iterations per correct byte in the vulnerable verifier (0: unamplified).", fallback, 0);

    private static Option<double> Keep() => new("--keep")
    {
        Description = "Response time over TCP: fraction of the fastest samples that rank the candidates (the slower rest, where load shows, counts as one tie); 1 keeps all.",
        HelpName = "fraction",
        DefaultValueFactory = _ => DefaultNetworkKeep,
        CustomParser = r => double.TryParse(Token(r), NumberStyles.Float, CultureInfo.InvariantCulture, out var keep) && keep is > 0 and <= 1
            ? keep
            : Refuse<double>(r, "--keep must be a number above 0 and at most 1, like 0.25."),
    };

    private static Option<int> SweepSamples() => Integer("--sweep-samples", "Samples per prefix length in the sweep.", 10_000, 1);

    private static Option<int> Repetitions() => Integer("--reps", "Calls per sample in the batched unamplified series.", 32, 1);

    /// <summary>
    /// An integer option parsed here rather than by System.CommandLine, whose validators cannot read a value it failed to convert
    /// (they throw); the range check then sits in the same place.
    /// </summary>
    private static Option<int> Integer(string name, string description, int fallback, int minimum, int maximum = int.MaxValue) => new(name)
    {
        Description = description,
        HelpName = "n",
        DefaultValueFactory = _ => fallback,
        CustomParser = r => int.TryParse(Token(r), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum
            ? value
            : Refuse<int>(r, (minimum, maximum) switch
            {
                (int.MinValue, int.MaxValue) => $"{name} must be a whole number.",
                (_, int.MaxValue) => $"{name} must be a whole number, at least {minimum}.",
                _ => $"{name} must be a whole number, {minimum}..{maximum}.",
            }),
    };

    private static string Token(ArgumentResult result) => result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;

    private static T Refuse<T>(ArgumentResult result, string message)
    {
        result.AddError(message);
        return default!;
    }

    private static Option<string> Out() =>
        new("--out") { Description = "Output folder.", HelpName = "dir", DefaultValueFactory = _ => Path.Combine("metrics", "timing") };

    private static Option<string?> Secret() => Hex("--secret", "The secret (hex, 1..64 bytes) instead of 16 bytes from --seed.");

    /// <summary>Hex as text: System.CommandLine turns a null byte[] into an empty one, and an absent secret must stay "not given".</summary>
    private static Option<string?> Hex(string name, string description)
    {
        var option = new Option<string?>(name) { Description = description, HelpName = "hex" };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && (text.Length is < 2 or > 128 || text.Length % 2 != 0 || !text.All(char.IsAsciiHexDigit)))
            {
                r.AddError($"{name} must be 1..64 bytes of hex.");
            }
        });
        return option;
    }

    private static byte[]? HexValue(ParseResult parse, Option<string?> option) =>
        parse.GetValue(option) is { } text ? Convert.FromHexString(text) : null;

    private static Option<IPAddress> Host(string description) => new("--host")
    {
        Description = description + " Loopback only: 127.0.0.0/8, ::1 or localhost.",
        DefaultValueFactory = _ => IPAddress.Loopback,
        CustomParser = r =>
        {
            var text = Token(r);
            var address = text.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback : IPAddress.TryParse(text, out var a) ? a : null;
            if (address is null || !IPAddress.IsLoopback(address))
            {
                r.AddError($"--host must be a loopback address (127.0.0.0/8 or ::1), not {text}.");
                return null!;
            }

            return address;
        },
    };

    /// <summary>The secret, the verifier's amplification, the sweep's sampling and the output folder: the options demo and sweep share.</summary>
    private sealed class MeasurementOptions
    {
        private readonly Option<int> _seed = Seed("Seed of the secret (unless --secret) and of the sampling order.");
        private readonly Option<int> _amplify = Amplify(DefaultAmplify);
        private readonly Option<int> _sweepSamples = SweepSamples();
        private readonly Option<int> _repetitions = Repetitions();
        private readonly Option<string> _out = Out();
        private readonly Option<string?> _secret = Secret();

        public void AddTo(Command command)
        {
            command.Options.Add(_seed);
            command.Options.Add(_amplify);
            command.Options.Add(_sweepSamples);
            command.Options.Add(_repetitions);
            command.Options.Add(_out);
            command.Options.Add(_secret);
        }

        public SweepArguments Bind(ParseResult parse, AttackStatisticsOptions attack)
        {
            var seed = parse.GetValue(_seed);
            return new SweepArguments(seed, parse.GetValue(_amplify), parse.GetValue(_sweepSamples), parse.GetValue(_repetitions),
                parse.GetRequiredValue(_out), HexValue(parse, _secret), attack.Bind(parse, seed));
        }
    }

    /// <summary>The options of the byte-by-byte attack's statistics, shared by the commands that attack (or describe the attack).</summary>
    private sealed class AttackStatisticsOptions
    {
        private readonly Option<int> _samples = Integer("--samples", "Attack budget: at most this many samples per candidate per byte.", 2048, 1);

        private readonly Option<int> _initialSamples = Integer("--initial-samples", "Samples per candidate at the first look.", 8, 1);

        private readonly Option<double> _alpha = new("--alpha")
        {
            Description = "Family-wise error per byte, between 0 and 1.",
            DefaultValueFactory = _ => 0.01,
            // Invariant, as before: "0.01" must not depend on the machine's culture.
            CustomParser = r => double.TryParse(Token(r), NumberStyles.Float, CultureInfo.InvariantCulture, out var alpha) && alpha is > 0 and < 1
                ? alpha
                : Refuse<double>(r, "--alpha must be a number between 0 and 1, like 0.01."),
        };

        private readonly Option<string> _estimator = new("--estimator")
        {
            Description = "What the tables report per candidate: median, trimmed (20 % trimmed mean) or low (10th percentile). The decision is the rank test.",
            HelpName = "median|trimmed|low",
            DefaultValueFactory = _ => "median",
        };

        private readonly Option<bool>? _continue;

        public AttackStatisticsOptions(bool withContinue = true)
        {
            _estimator.Validators.Add(r =>
            {
                if (ParseEstimator(r.GetValueOrDefault<string>()) is null)
                {
                    r.AddError($"Unknown estimator '{r.GetValueOrDefault<string>()}' (median|trimmed|low).");
                }
            });
            if (withContinue)
            {
                _continue = new Option<bool>("--continue") { Description = "Keep going after a byte without significant leak." };
            }
        }

        public void AddTo(Command command)
        {
            command.Options.Add(_samples);
            command.Options.Add(_initialSamples);
            command.Options.Add(_alpha);
            command.Options.Add(_estimator);
            if (_continue is not null)
            {
                command.Options.Add(_continue);
            }
        }

        /// <summary>The attack's options; its sampling order is seeded one past the secret's seed.</summary>
        public RecoveryOptions Bind(ParseResult parse, int seed) => new()
        {
            InitialSamples = parse.GetValue(_initialSamples),
            MaxSamples = parse.GetValue(_samples),
            Alpha = parse.GetValue(_alpha),
            Estimator = ParseEstimator(parse.GetRequiredValue(_estimator))!.Value,
            Seed = seed + 1,
            StopOnFailure = _continue is null || !parse.GetValue(_continue),
        };
    }
}
