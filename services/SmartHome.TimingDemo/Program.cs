using System.Globalization;
using System.Net;
using Microsoft.Extensions.Hosting;
using SmartHome.ServiceDefaults;
using SmartHome.TimingDemo;

CliArgs cli;
try
{
    cli = new CliArgs(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(DemoCommands.Usage);
    return 2;
}

// OTel only under the AppHost (or whenever an OTLP endpoint is configured): plain CLI runs stay lean.
IHost? host = null;
if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
{
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
    builder.ConfigureOpenTelemetry();
    host = builder.Build();
    await host.StartAsync().ConfigureAwait(false);
    Console.WriteLine("OpenTelemetry: exporting metrics of meter 'SmartHome' (smarthome.timing.*) via OTLP.");
}

try
{
    return cli.Command switch
    {
        "demo" => DemoCommands.Demo(cli),
        "serve" => await DemoCommands.ServeAsync(cli).ConfigureAwait(false),
        "attack" => DemoCommands.Attack(cli),
        "sweep" => DemoCommands.Sweep(cli),
        "help" or "--help" or "-h" => DemoCommands.Help(),
        _ => DemoCommands.Unknown(cli.Command),
    };
}
catch (Exception e) when (e is ArgumentException or FormatException or System.Net.Sockets.SocketException or IOException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
finally
{
    if (host is not null)
    {
        await host.StopAsync().ConfigureAwait(false);
        host.Dispose(); // flushes the metric exporter
    }
}

internal static class DemoCommands
{
    public const int DefaultAmplify = 100;
    public const int DefaultNetworkAmplify = 2000;

    public const string Usage = """
        SmartHome.TimingDemo - timing attack on an early-exit token comparison vs CryptographicOperations.FixedTimeEquals

        dotnet run -c Release --project services/SmartHome.TimingDemo -- demo   [options]   all-in-one, in-process (writes table, CSV, PNG)
        dotnet run -c Release --project services/SmartHome.TimingDemo -- serve  --port 5077 [--verifier vulnerable|constant-time] [--amplify N] [--secret HEX] [--seconds S]
        dotnet run -c Release --project services/SmartHome.TimingDemo -- attack --port 5077 [--host 127.0.0.1] [--expect HEX] [options]
        dotnet run -c Release --project services/SmartHome.TimingDemo -- sweep  [options]   only the time-vs-prefix measurement + plot

        options:
          --seed N            secret (demo/serve) and sampling order seed            (default 42)
          --amplify N         spin iterations per correct byte in the vulnerable verifier (default 100 in-process, 2000 for serve / TCP)
          --samples N         attack budget: max samples per candidate per byte      (default 2048)
          --initial-samples N samples per candidate at the first look               (default 8)
          --alpha A           family-wise error per byte                              (default 0.01)
          --estimator E       median | trimmed (20 % trimmed mean)                     (default median)
          --sweep-samples N   samples per prefix length in the sweep                   (default 10000)
          --reps N            calls per sample in the batched unamplified series       (default 32)
          --out DIR           output folder                                           (default metrics/timing)
          --net-amplify N     demo: amplification of the TCP server                  (default 2000)
          --no-network        demo: skip the serve+attack runs over loopback TCP
          --no-unamplified-attack  demo: skip the attack on the unamplified verifier
          --continue          keep going after a byte without significant leak
        """;

    public static int Help()
    {
        Console.WriteLine(Usage);
        return 0;
    }

    public static int Unknown(string command)
    {
        Console.Error.WriteLine($"Unknown command '{command}'.");
        Console.Error.WriteLine(Usage);
        return 2;
    }

    private static RecoveryOptions AttackOptions(CliArgs cli, int seed) => new()
    {
        InitialSamples = cli.GetInt("initial-samples", 8),
        MaxSamples = cli.GetInt("samples", 2048),
        Alpha = cli.GetDouble("alpha", 0.01),
        Estimator = cli.GetEstimator(),
        Seed = seed + 1,
        StopOnFailure = !cli.Has("continue"),
    };

    private static byte[] SecretFor(CliArgs cli, int seed)
    {
        if (cli.Has("secret"))
        {
            var s = Convert.FromHexString(cli.Get("secret", ""));
            if (s.Length is < 1 or > 64)
            {
                throw new ArgumentException("--secret must be 1..64 bytes of hex.");
            }

            return s;
        }

        var secret = new byte[16];
#pragma warning disable CA5394 // reproducible demo secret from --seed, not a real credential
        new Random(seed).NextBytes(secret);
#pragma warning restore CA5394
        return secret;
    }

    private static string OutDir(CliArgs cli)
    {
        var dir = Path.GetFullPath(cli.Get("out", Path.Combine("metrics", "timing")));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static int Demo(CliArgs cli)
    {
        var seed = cli.GetInt("seed", 42);
        var amplify = cli.GetInt("amplify", DefaultAmplify);
        var sweepSamples = cli.GetInt("sweep-samples", 10_000);
        var reps = cli.GetInt("reps", 32);
        var outDir = OutDir(cli);
        var secret = SecretFor(cli, seed);
        var options = AttackOptions(cli, seed);

        var nsPerIteration = Spin.CalibrateNanosecondsPerIteration();
        var settings = new DemoSettings(seed, amplify, nsPerIteration, sweepSamples, reps, options, Convert.ToHexStringLower(secret));
        Console.WriteLine($"secret ({secret.Length} bytes, seed {seed}; used for the sweep and for grading only): {settings.SecretHex}");
        Console.WriteLine($"AMPLIFICATION: vulnerable verifier spins {amplify} iterations per correct byte ~ {amplify * nsPerIteration:F0} ns/byte (calibrated {nsPerIteration:F3} ns/iteration). Unamplified results follow too.");
        Console.WriteLine();

        var sweep = RunSweep(secret, amplify, sweepSamples, reps, seed);
        var attacks = new List<AttackRun>
        {
            RunAttack($"vulnerable, amplified x{amplify} it/byte", new InProcessOracle(new VulnerableVerifier(secret, amplify), 1, secret), options, secret),
            RunAttack("constant-time (FixedTimeEquals)", new InProcessOracle(new ConstantTimeVerifier(secret), 1, secret), options, secret),
        };
        if (!cli.Has("no-unamplified-attack"))
        {
            attacks.Add(RunAttack("vulnerable, unamplified", new InProcessOracle(new VulnerableVerifier(secret, 0), 1, secret), options, secret));
            attacks.Add(RunAttack($"vulnerable, unamplified, x{reps} calls/sample", new InProcessOracle(new VulnerableVerifier(secret, 0), reps, secret), options, secret));
            attacks.Add(RunAttack($"constant-time, x{reps} calls/sample", new InProcessOracle(new ConstantTimeVerifier(secret), reps, secret), options, secret));
        }

        if (!cli.Has("no-network"))
        {
            var netAmplify = cli.GetInt("net-amplify", DefaultNetworkAmplify);
            Console.WriteLine($"TCP AMPLIFICATION: {netAmplify} iterations ~ {netAmplify * nsPerIteration:F0} ns per correct byte (loopback round trips are ~30 us with jitter).");
            var servers = new (VerifierKind Kind, int Amplify, string Name)[]
            {
                (VerifierKind.Vulnerable, netAmplify, $"tcp loopback, vulnerable, amplified x{netAmplify} it/byte"),
                (VerifierKind.ConstantTime, 0, "tcp loopback, constant-time"),
                (VerifierKind.Vulnerable, 0, "tcp loopback, vulnerable, unamplified"),
            };
            foreach (var (kind, amp, name) in servers)
            {
                using var server = new TimingServer(TokenVerifiers.Create(kind, secret, amp), secret, IPAddress.Loopback, 0);
                var serverTask = server.RunAsync();
                using (var oracle = new NetworkOracle(IPAddress.Loopback, server.Endpoint.Port))
                {
                    attacks.Add(RunAttack(name, oracle, options with { WarmupQueries = 2000 }, secret));
                }

                server.Dispose();
                serverTask.Wait();
            }
        }

        WriteOutputs(outDir, settings, sweep, attacks);
        return 0;
    }

    public static int Sweep(CliArgs cli)
    {
        var seed = cli.GetInt("seed", 42);
        var amplify = cli.GetInt("amplify", DefaultAmplify);
        var secret = SecretFor(cli, seed);
        var nsPerIteration = Spin.CalibrateNanosecondsPerIteration();
        var settings = new DemoSettings(seed, amplify, nsPerIteration, cli.GetInt("sweep-samples", 10_000), cli.GetInt("reps", 32),
            AttackOptions(cli, seed), Convert.ToHexStringLower(secret));
        var sweep = RunSweep(secret, amplify, settings.SweepSamples, settings.Repetitions, seed);
        WriteOutputs(OutDir(cli), settings, sweep, []);
        return 0;
    }

    private static List<SweepSeries> RunSweep(byte[] secret, int amplify, int samples, int reps, int seed)
    {
        Console.WriteLine($"Sweep: time vs correct prefix length (0..{secret.Length}), {samples} samples per point ...");
        var list = new List<SweepSeries>
        {
            PrefixSweep.Run($"vulnerable amplified ({amplify} it/byte)", new VulnerableVerifier(secret, amplify), amplify, secret, samples, 1, seed),
            PrefixSweep.Run("vulnerable unamplified", new VulnerableVerifier(secret, 0), 0, secret, samples, 1, seed),
            PrefixSweep.Run("constant-time", new ConstantTimeVerifier(secret), 0, secret, samples, 1, seed),
            PrefixSweep.Run($"vulnerable unamplified x{reps}", new VulnerableVerifier(secret, 0), 0, secret, samples, reps, seed),
            PrefixSweep.Run($"constant-time x{reps}", new ConstantTimeVerifier(secret), 0, secret, samples, reps, seed),
        };
        Console.WriteLine(Report.SweepSignificance(list, 0.01));
        return list;
    }

    private static AttackRun RunAttack(string name, ITimingOracle oracle, RecoveryOptions options, byte[]? secret)
    {
        Console.WriteLine($"Attack: {name} via {oracle.Description}; budget {options.MaxSamples} samples/candidate/byte");
        var recoverer = new ByteRecoverer(oracle, options);
        var result = recoverer.Recover(b =>
        {
            var grade = secret is null ? "" : secret[b.Position] == b.Value ? " correct" : " WRONG";
            Console.WriteLine(b.Significant
                ? $"  byte {b.Position,2}: 0x{b.Value:x2}{grade}  after {b.SamplesPerCandidate,5} samples/candidate  (best {b.BestEstimateNs:F0} ns vs rest {b.RestEstimateNs:F0} ns, p={Report.P(b.DiscoveryPValue)}, confirm p={Report.P(b.ConfirmPValue)}, {b.Elapsed.TotalSeconds:F2} s)"
                : $"  byte {b.Position,2}: no significant leak after {b.SamplesPerCandidate} samples/candidate (best 0x{b.Value:x2} {b.BestEstimateNs:F0} ns vs rest {b.RestEstimateNs:F0} ns, p={Report.P(b.DiscoveryPValue)} > threshold {Report.P(b.DiscoveryThreshold)}, {b.Elapsed.TotalSeconds:F2} s)");
        });
        var run = new AttackRun(name, oracle.Description, options, result, secret);
        foreach (var b in result.Bytes.Where(b => b.Significant))
        {
            var outcome = secret is null ? "unknown" : secret[b.Position] == b.Value ? "correct" : "wrong";
            TimingMetrics.RecoveredBytes.Add(1, new KeyValuePair<string, object?>(TimingMetrics.OutcomeTag, outcome),
                new KeyValuePair<string, object?>("smarthome.timing.attack", name));
        }

        Console.WriteLine($"  => {run.Verdict}; {result.TotalQueries} queries, {result.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine();
        return run;
    }

    private static void WriteOutputs(string outDir, DemoSettings settings, List<SweepSeries> sweep, IReadOnlyList<AttackRun> attacks)
    {
        var md = Path.Combine(outDir, "timing-summary.md");
        File.WriteAllText(md, Report.Markdown(settings, sweep, attacks));
        if (sweep.Count > 0)
        {
            File.WriteAllText(Path.Combine(outDir, "timing-sweep.csv"), Report.SweepCsv(sweep));
            Report.Plot(sweep, Path.Combine(outDir, "timing-prefix.png"), settings.AmplifyIterations * settings.NsPerIteration);
        }

        if (attacks.Count > 0)
        {
            File.WriteAllText(Path.Combine(outDir, "timing-attack.csv"), Report.AttackCsv(attacks));
        }

        Console.WriteLine($"Wrote {md}, CSV and PNG to {outDir}");
    }

    public static async Task<int> ServeAsync(CliArgs cli)
    {
        var seed = cli.GetInt("seed", 42);
        var kind = cli.GetVerifier();
        var amplify = cli.GetInt("amplify", DefaultNetworkAmplify);
        var secret = SecretFor(cli, seed);
        var verifier = TokenVerifiers.Create(kind, secret, amplify);
        using var server = new TimingServer(verifier, secret, cli.GetLoopback("host"), cli.GetInt("port", 5077));
        var nsPerIteration = Spin.CalibrateNanosecondsPerIteration();
        Console.WriteLine($"Listening on {server.Endpoint} (loopback only); verifier {kind.Label()}"
            + (kind == VerifierKind.Vulnerable ? $", AMPLIFICATION {amplify} iterations ~ {amplify * nsPerIteration:F0} ns per correct byte" : ""));
        Console.WriteLine($"secret (give to the attacker only as --expect for grading): {Convert.ToHexStringLower(secret)}");
        var run = server.RunAsync();
        var seconds = cli.GetInt("seconds", 0);
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        try
        {
            await Task.Delay(seconds > 0 ? TimeSpan.FromSeconds(seconds) : Timeout.InfiniteTimeSpan, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C
        }

        server.Dispose();
        await run.ConfigureAwait(false);
        Console.WriteLine($"Served {server.Requests} requests.");
        return 0;
    }

    public static int Attack(CliArgs cli)
    {
        var seed = cli.GetInt("seed", 42);
        var expect = cli.Has("expect") ? Convert.FromHexString(cli.Get("expect", "")) : null;
        using var oracle = new NetworkOracle(cli.GetLoopback("host"), cli.GetInt("port", 5077));
        var options = AttackOptions(cli, seed) with { WarmupQueries = cli.GetInt("warmup", 2000) };
        var run = RunAttack($"tcp {oracle.Endpoint}", oracle, options, expect);
        var outDir = OutDir(cli);
        var md = Path.Combine(outDir, "timing-attack-network.md");
        File.WriteAllText(md, string.Join(Environment.NewLine,
            "# Timing attack over loopback TCP", "",
            "| attack | oracle | verdict | recovered (hex) | samples/candidate min/median/max | queries | time s |",
            "|---|---|---|---|---|---:|---:|",
            Report.AttackSummaryLine(run), "", Report.AttackTable(run)));
        File.WriteAllText(Path.Combine(outDir, "timing-attack-network.csv"), Report.AttackCsv([run]));
        Console.WriteLine($"Wrote {md}");
        return run.Result.Complete ? 0 : 3;
    }
}

internal static class Formatting
{
    public static string Inv(this double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
