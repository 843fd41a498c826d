using System.Net;

namespace SmartHome.TimingDemo;

/// <summary>What demo, sweep, serve and attack do, with their parsed command line.</summary>
internal sealed class DemoCommands : ITimingCommands
{
    private static byte[] SecretFor(byte[]? given, int seed)
    {
        if (given is not null)
        {
            return given;
        }

        var secret = new byte[16];
#pragma warning disable CA5394 // reproducible demo secret from --seed, not a real credential
        new Random(seed).NextBytes(secret);
#pragma warning restore CA5394
        return secret;
    }

    private static string OutDir(string path)
    {
        var dir = Path.GetFullPath(path);
        Directory.CreateDirectory(dir);
        return dir;
    }

    public async Task<int> DemoAsync(DemoArguments arguments)
    {
        var (seed, amplify, sweepSamples, reps) = (arguments.Seed, arguments.Amplify, arguments.SweepSamples, arguments.Repetitions);
        var outDir = OutDir(arguments.Out);
        var secret = SecretFor(arguments.Secret, seed);
        var options = arguments.Attack;

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
        if (arguments.UnamplifiedAttacks)
        {
            attacks.Add(RunAttack("vulnerable, unamplified", new InProcessOracle(new VulnerableVerifier(secret, 0), 1, secret), options, secret));
            attacks.Add(RunAttack($"vulnerable, unamplified, x{reps} calls/sample", new InProcessOracle(new VulnerableVerifier(secret, 0), reps, secret), options, secret));
            attacks.Add(RunAttack($"constant-time, x{reps} calls/sample", new InProcessOracle(new ConstantTimeVerifier(secret), reps, secret), options, secret));
        }

        if (arguments.NetworkAmplify is { } netAmplify)
        {
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
                await serverTask.ConfigureAwait(false);
            }
        }

        WriteOutputs(outDir, settings, sweep, attacks);
        return 0;
    }

    public int Sweep(SweepArguments arguments)
    {
        var (seed, amplify) = (arguments.Seed, arguments.Amplify);
        var secret = SecretFor(arguments.Secret, seed);
        var nsPerIteration = Spin.CalibrateNanosecondsPerIteration();
        var settings = new DemoSettings(seed, amplify, nsPerIteration, arguments.SweepSamples, arguments.Repetitions,
            arguments.Attack, Convert.ToHexStringLower(secret));
        var sweep = RunSweep(secret, amplify, settings.SweepSamples, settings.Repetitions, seed);
        WriteOutputs(OutDir(arguments.Out), settings, sweep, []);
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

    public async Task<int> ServeAsync(ServeArguments arguments)
    {
        var (kind, amplify) = (arguments.Verifier, arguments.Amplify);
        var secret = SecretFor(arguments.Secret, arguments.Seed);
        var verifier = TokenVerifiers.Create(kind, secret, amplify);
        using var server = new TimingServer(verifier, secret, arguments.Host, arguments.Port);
        var nsPerIteration = Spin.CalibrateNanosecondsPerIteration();
        Console.WriteLine($"Listening on {server.Endpoint} (loopback only); verifier {kind.Label()}"
            + (kind == VerifierKind.Vulnerable ? $", AMPLIFICATION {amplify} iterations ~ {amplify * nsPerIteration:F0} ns per correct byte" : ""));
        Console.WriteLine($"secret (give to the attacker only as --expect for grading): {Convert.ToHexStringLower(secret)}");
        var run = server.RunAsync();
        var seconds = arguments.Seconds;
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

    public int Attack(AttackArguments arguments)
    {
        var expect = arguments.Expect;
        using var oracle = new NetworkOracle(arguments.Host, arguments.Port);
        var run = RunAttack($"tcp {oracle.Endpoint}", oracle, arguments.Attack, expect);
        var outDir = OutDir(arguments.Out);
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
