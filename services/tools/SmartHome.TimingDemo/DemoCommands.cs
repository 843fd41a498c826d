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

    /// <summary>The in-process attacks each get at most this long: they need well under a second when nothing is wrong.</summary>
    private static readonly TimeSpan InProcessCap = TimeSpan.FromSeconds(20);

    /// <summary>Against FixedTimeEquals an attack finds nothing and would use its whole sample budget; over TCP it gets this long.</summary>
    private static readonly TimeSpan ConstantTimeCap = TimeSpan.FromSeconds(12);

    /// <summary>The side-by-side attacks on the amplified verifier over TCP each get at most this long, so the detection limit gets time too.</summary>
    private static readonly TimeSpan NetworkCap = TimeSpan.FromSeconds(60);

    public async Task<int> DemoAsync(DemoArguments arguments)
    {
        var budget = new TimeBudget(arguments.Budget);
        var (seed, amplify, sweepSamples, reps) = (arguments.Seed, arguments.Amplify, arguments.SweepSamples, arguments.Repetitions);
        var outDir = OutDir(arguments.Out);
        var secret = SecretFor(arguments.Secret, seed);
        var options = arguments.Attack;
        var console = new AttackConsole(budget);
        var skipped = new List<string>();

        var nsPerIteration = Spin.CalibrateNanosecondsPerIteration();
        var settings = new DemoSettings(seed, amplify, nsPerIteration, sweepSamples, reps, options, Convert.ToHexStringLower(secret))
        {
            NetworkKeep = arguments.NetworkKeep,
        };
        Console.WriteLine($"Time budget: {arguments.Budget.TotalSeconds:F0} s in all (--budget); whatever does not fit is reported as not run.");
        Console.WriteLine($"secret ({secret.Length} bytes, seed {seed}; used for the sweep and for grading only): {settings.SecretHex}");
        Console.WriteLine($"AMPLIFICATION: vulnerable verifier spins {amplify} iterations per correct byte ~ {amplify * nsPerIteration:F0} ns/byte (calibrated {nsPerIteration:F3} ns/iteration). Unamplified results follow too.");
        Console.WriteLine();

        var sweep = RunSweep(secret, amplify, sweepSamples, reps, seed);
        var attacks = new List<AttackRun>();
        void InProcess(string name, ITokenVerifier verifier, int repetitions)
        {
            if (budget.IsExhausted)
            {
                skipped.Add($"in-process attack \"{name}\"");
                return;
            }

            var oracle = new InProcessOracle(verifier, repetitions, secret);
            attacks.Add(console.Run(name, new ByteRecoverer(oracle, options), oracle.Description, AttackTechnique.ResponseTime, options,
                budget.Slice(InProcessCap), secret));
        }

        InProcess($"vulnerable, amplified x{amplify} it/byte", new VulnerableVerifier(secret, amplify), 1);
        InProcess("constant-time (FixedTimeEquals)", new ConstantTimeVerifier(secret), 1);
        if (arguments.UnamplifiedAttacks)
        {
            InProcess("vulnerable, unamplified", new VulnerableVerifier(secret, 0), 1);
            InProcess($"vulnerable, unamplified, x{reps} calls/sample", new VulnerableVerifier(secret, 0), reps);
            InProcess($"constant-time, x{reps} calls/sample", new ConstantTimeVerifier(secret), reps);
        }

        var limit = new List<LimitPoint>();
        if (arguments.NetworkAmplify is { } netAmplify)
        {
            var netOptions = options with { WarmupQueries = 2000 };
            var timeOptions = netOptions with { Keep = arguments.NetworkKeep };
            RecoveryOptions For(AttackTechnique t) => t == AttackTechnique.ResponseTime ? timeOptions : netOptions;
            Console.WriteLine($"TCP AMPLIFICATION: {netAmplify} iterations ~ {netAmplify * nsPerIteration:F0} ns per correct byte (loopback round trips are ~30 us with jitter).");
            Console.WriteLine("The same secret, two techniques side by side: response time (round trip per query), response order (request pairs, order of answers only).");
            var techniques = new[] { AttackTechnique.ResponseTime, AttackTechnique.ResponseOrder };
            var sideBySide = new Dictionary<AttackTechnique, AttackRun>();
            foreach (var technique in techniques)
            {
                var name = $"tcp loopback, {technique.Label()}, vulnerable, amplified x{netAmplify} it/byte";
                if (budget.IsExhausted)
                {
                    skipped.Add(name);
                    continue;
                }

                var run = await NetworkAttack.RunAsync(console, name, technique, new VulnerableVerifier(secret, netAmplify), secret, For(technique),
                    budget.Slice(NetworkCap)).ConfigureAwait(false);
                sideBySide[technique] = run;
                attacks.Add(run);
            }

            foreach (var technique in techniques)
            {
                var name = $"tcp loopback, {technique.Label()}, constant-time";
                if (budget.IsExhausted)
                {
                    skipped.Add(name);
                    continue;
                }

                attacks.Add(await NetworkAttack.RunAsync(console, name, technique, new ConstantTimeVerifier(secret), secret, For(technique),
                    budget.Slice(ConstantTimeCap)).ConfigureAwait(false));
            }

            limit = await RunLimitSweepAsync(console, arguments, secret, nsPerIteration, netAmplify, sideBySide, For, budget, skipped).ConfigureAwait(false);
        }

        var netNsPerByte = arguments.NetworkAmplify is { } amplified ? amplified * nsPerIteration : double.NaN;
        var headline = Headline(attacks, limit, skipped, budget, arguments.Budget, netNsPerByte);
        Console.WriteLine("SUMMARY");
        foreach (var line in headline)
        {
            Console.WriteLine("  " + line);
        }

        Console.WriteLine();
        var limitSection = limit.Count > 0 ? DetectionLimit.Markdown(limit, arguments.LimitSeconds) : null;
        if (limitSection is not null)
        {
            Console.WriteLine(limitSection);
        }

        WriteOutputs(outDir, settings, sweep, attacks, headline, limitSection);
        if (limit.Count > 0)
        {
            File.WriteAllText(Path.Combine(outDir, "timing-limit.csv"), DetectionLimit.Csv(limit));
            DetectionLimit.Plot(limit, Path.Combine(outDir, "timing-limit.png"));
        }

        Console.WriteLine($"Demo took {budget.Elapsed.TotalSeconds:F0} s of its {arguments.Budget.TotalSeconds:F0} s budget.");
        return 0;
    }

    /// <summary>
    /// Both techniques at each amplification, largest first and interleaved (so both see the same load), each run in its share of
    /// what is left of the budget; a technique stops descending at its first failure (smaller differences would fail too).
    /// </summary>
    private static async Task<List<LimitPoint>> RunLimitSweepAsync(AttackConsole console, DemoArguments arguments, byte[] secret,
        double nsPerIteration, int netAmplify, Dictionary<AttackTechnique, AttackRun> sideBySide, Func<AttackTechnique, RecoveryOptions> optionsFor,
        TimeBudget budget, List<string> skipped)
    {
        var points = new List<LimitPoint>();
        var failed = new HashSet<AttackTechnique>();
        var levels = arguments.LimitLevels.Distinct().OrderByDescending(i => i).ToList();
        var pending = levels.Count * 2;
        Console.WriteLine($"DETECTION LIMIT: amplification {string.Join(", ", levels)} iterations per correct byte, both techniques, at most {arguments.LimitSeconds.TotalSeconds:F0} s per run.");
        foreach (var level in levels)
        {
            foreach (var technique in new[] { AttackTechnique.ResponseTime, AttackTechnique.ResponseOrder })
            {
                var ns = level * nsPerIteration;
                var runsLeft = pending--;
                if (level == netAmplify && sideBySide.TryGetValue(technique, out var earlier))
                {
                    points.Add(new LimitPoint(technique, level, ns, earlier, null)); // measured above, side by side
                    if (!points[^1].Recovered)
                    {
                        failed.Add(technique);
                    }

                    continue;
                }

                if (failed.Contains(technique))
                {
                    points.Add(new LimitPoint(technique, level, ns, null, "a larger difference already failed"));
                    continue;
                }

                if (budget.Remaining < TimeSpan.FromSeconds(2))
                {
                    points.Add(new LimitPoint(technique, level, ns, null, "demo time budget used up"));
                    skipped.Add($"detection limit, {technique.Label()}, {level} it/byte");
                    continue;
                }

                // Up to twice an equal share of what is left (runs that end early leave time to the next), never more than --limit-seconds.
                var twoShares = budget.Remaining / Math.Max(1, runsLeft) * 2;
                var slice = budget.Slice(twoShares < arguments.LimitSeconds ? twoShares : arguments.LimitSeconds);
                var name = $"limit: tcp loopback, {technique.Label()}, {level} it/byte (~{ns:F0} ns/byte)";
                var run = await NetworkAttack.RunAsync(console, name, technique, new VulnerableVerifier(secret, level), secret, optionsFor(technique), slice)
                    .ConfigureAwait(false);
                points.Add(new LimitPoint(technique, level, ns, run, null));
                if (!points[^1].Recovered)
                {
                    failed.Add(technique);
                }
            }
        }

        return points;
    }

    /// <summary>The summary's first lines: what was recovered, over which channel, and what that means for FixedTimeEquals.</summary>
    private static List<string> Headline(List<AttackRun> attacks, List<LimitPoint> limit, List<string> skipped, TimeBudget budget, TimeSpan total,
        double netNsPerByte)
    {
        string Outcome(AttackRun r) => r.Result.Complete && r.MatchesSecret != false
            ? $"recovered all {r.Result.Recovered.Length} bytes of the secret in {r.Result.Elapsed.TotalSeconds:F1} s with {r.Result.TotalQueries:N0} queries"
            : $"{r.Verdict} ({r.Result.TotalQueries:N0} queries, {r.Result.Elapsed.TotalSeconds:F1} s)";

        var lines = new List<string>();
        var network = attacks.Any(a => a.Name.StartsWith("tcp loopback", StringComparison.Ordinal));
        foreach (var r in attacks.Where(a => a.Name.StartsWith("tcp loopback", StringComparison.Ordinal) && a.Name.Contains("vulnerable", StringComparison.Ordinal)))
        {
            lines.Add($"Over loopback TCP, the {r.Technique.Label()} attack on the early-exit comparison (about {netNsPerByte:F0} ns more per correct byte) {Outcome(r)}.");
        }

        var inProcess = attacks.Where(a => !a.Name.StartsWith("tcp loopback", StringComparison.Ordinal) && a.Name.StartsWith("vulnerable", StringComparison.Ordinal)).ToList();
        if (inProcess.Count > 0)
        {
            lines.Add($"In-process (no network), the attack on the early-exit comparison: {string.Join("; ", inProcess.Select(r => $"{r.Name}: {Outcome(r)}"))}.");
        }

        var constant = attacks.Where(a => a.Name.Contains("constant-time", StringComparison.Ordinal)).ToList();
        if (constant.Count > 0)
        {
            var claimed = constant.Where(a => a.Result.Recovered.Length > 0).ToList();
            var where = network ? "in-process and over TCP" : "in-process";
            lines.Add(claimed.Count == 0
                ? $"Against CryptographicOperations.FixedTimeEquals no attack ({constant.Count} runs, {where}, {constant.Sum(a => a.Result.TotalQueries):N0} queries) found a leak: nothing was claimed."
                : $"WARNING: against FixedTimeEquals {string.Join("; ", claimed.Select(a => $"{a.Name}: {a.Verdict}"))}.");
        }

        if (limit.Count > 0)
        {
            var time = DetectionLimit.SmallestRecovered(limit, AttackTechnique.ResponseTime);
            var order = DetectionLimit.SmallestRecovered(limit, AttackTechnique.ResponseOrder);
            static string Ns(double? ns) => ns is { } v ? $"{v:F0} ns" : "none of the levels";
            lines.Add($"Detection limit over TCP on this machine, now: the smallest per-byte difference recovered in full was {Ns(time)} by response time and {Ns(order)} by response order.");
        }

        lines.Add("For the secure pipeline: its secret comparisons use CryptographicOperations.FixedTimeEquals, which takes the same time however many bytes match; "
            + $"these attacks, which do read a secret out of an early-exit comparison{(network ? " over TCP" : "")}, found nothing to read there. An early-exit comparison is not safe just "
            + $"because its leak is small: {(limit.Count > 0 ? "the limit above" : "what an attacker can resolve")} falls with more queries and a quieter network.");
        lines.Add(skipped.Count == 0
            ? $"Everything ran within the time budget ({budget.Elapsed.TotalSeconds:F0} s of {total.TotalSeconds:F0} s)."
            : $"The time budget ({total.TotalSeconds:F0} s) ended the demo early; not run: {string.Join("; ", skipped)}.");
        return lines;
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

    private static void WriteOutputs(string outDir, DemoSettings settings, List<SweepSeries> sweep, IReadOnlyList<AttackRun> attacks,
        IReadOnlyList<string>? headline = null, string? limitSection = null)
    {
        var md = Path.Combine(outDir, "timing-summary.md");
        File.WriteAllText(md, Report.Markdown(settings, sweep, attacks, headline, limitSection));
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
        using var timed = arguments.Timeless ? null : new TimingServer(verifier, secret, arguments.Host, arguments.Port);
        using var raced = arguments.Timeless ? new RaceServer(verifier, secret, arguments.Host, arguments.Port) : null;
        var endpoint = timed?.Endpoint ?? raced!.Endpoint;
        var nsPerIteration = Spin.CalibrateNanosecondsPerIteration();
        Console.WriteLine($"Listening on {endpoint} (loopback only, {(arguments.Timeless ? "request pairs checked at once, answers as soon as decided" : "one request at a time")}); verifier {kind.Label()}"
            + (kind == VerifierKind.Vulnerable ? $", AMPLIFICATION {amplify} iterations ~ {amplify * nsPerIteration:F0} ns per correct byte" : ""));
        Console.WriteLine($"secret (give to the attacker only as --expect for grading): {Convert.ToHexStringLower(secret)}");
        var run = timed?.RunAsync() ?? raced!.RunAsync();
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

        timed?.Dispose();
        raced?.Dispose();
        await run.ConfigureAwait(false);
        Console.WriteLine($"Served {timed?.Requests ?? raced!.Requests} requests.");
        return 0;
    }

    public int Attack(AttackArguments arguments)
    {
        var expect = arguments.Expect;
        var budget = arguments.Seconds > 0 ? new TimeBudget(TimeSpan.FromSeconds(arguments.Seconds)) : TimeBudget.Unlimited();
        var console = new AttackConsole(null);
        AttackRun run;
        if (arguments.Timeless)
        {
            using var oracle = new TimelessOracle(arguments.Host, arguments.Port);
            run = console.Run($"tcp {oracle.Endpoint}", new OrderRecoverer(oracle, arguments.Attack), oracle.Description,
                AttackTechnique.ResponseOrder, arguments.Attack, budget, expect);
        }
        else
        {
            using var oracle = new NetworkOracle(arguments.Host, arguments.Port);
            run = console.Run($"tcp {oracle.Endpoint}", new ByteRecoverer(oracle, arguments.Attack), oracle.Description,
                AttackTechnique.ResponseTime, arguments.Attack, budget, expect);
        }

        var outDir = OutDir(arguments.Out);
        var md = Path.Combine(outDir, "timing-attack-network.md");
        File.WriteAllText(md, string.Join(Environment.NewLine,
            $"# Timing attack over loopback TCP ({run.Technique.Label()})", "",
            "| attack | oracle | verdict | recovered (hex) | samples/candidate min/median/max | queries | time s |",
            "|---|---|---|---|---|---:|---:|",
            Report.AttackSummaryLine(run), "", Report.AttackTable(run)));
        File.WriteAllText(Path.Combine(outDir, "timing-attack-network.csv"), Report.AttackCsv([run]));
        Console.WriteLine($"Wrote {md}");
        return run.Result.Complete ? 0 : 3;
    }
}
