using System.Diagnostics;
using SmartHome.Report.Modes;

namespace SmartHome.Report;

/// <summary>
/// The report's entry point (also called in-process by the tests): sets up what every mode shares (output folder, machine
/// information, the started or attached app), runs the chosen mode and writes the results.
/// </summary>
public static class ReportRunner
{
    public static readonly string[] Pipelines = SummaryWriter.Pipelines;

    public static Task<int> RunAsync(string[] args, CancellationToken cancellationToken) =>
        ReportCommandLine.RunAsync(args, RunAsync, cancellationToken);

    private static async Task<int> RunAsync(ReportOptions options, CancellationToken cancellationToken)
    {
        var progress = ConsoleProgress.ForConsole();
        try
        {
            var results = await RunAsync(options, progress, cancellationToken).ConfigureAwait(false);
            var files = Write(results, options.OutputDirectory);
            progress.Line($"Wrote {string.Join(", ", files)} to {Path.GetFullPath(options.OutputDirectory)}");
            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            progress.Line("Cancelled.");
            return 130;
        }
    }

    public static async Task<ReportResults> RunAsync(ReportOptions options, ConsoleProgress progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(progress);
        var clock = Stopwatch.StartNew();
        var loadAtStart = MachineInfo.LoadAverage();
        var repo = MachineInfo.FindRepositoryRoot();
        var keysDirectory = Path.GetFullPath(options.KeysDirectory ?? Path.Combine(repo ?? ".", "keys"));
        Directory.CreateDirectory(options.OutputDirectory);

        var mode = options.Mode.ToString().ToLowerInvariant();
        var results = new ReportResults
        {
            Run = new RunInfo(mode, DateTimeOffset.UtcNow, 0, MachineInfo.Describe(), MachineInfo.Os, Environment.ProcessorCount,
                MachineInfo.Runtime, MachineInfo.AspireVersion, repo is null ? null : MachineInfo.GitCommit(repo), "n/a (in-process)",
                "none (in-process)", options.Attempts, options.Readings, options.RatePerSecond, options.Concurrency, options.FleetSize,
                options.CryptoIterations),
        };

        var reportMode = ReportModes.For(options.Mode);
        if (!reportMode.NeedsApp)
        {
            await reportMode.RunAsync(new ReportContext(options, results, progress, keysDirectory, null), ct).ConfigureAwait(false);
        }
        else
        {
            await using var app = options.Attach
                ? (IAppTarget)new AttachedApp(options.Urls, options.BrokerMode ?? "executable", options.ControlSecret)
                : await ManagedApp.StartAsync(keysDirectory, options.BrokerMode, progress, ct).ConfigureAwait(false);
            var brokerMode = app.BrokerMode + (app.BrokerMode == "executable" && MachineInfo.MosquittoVersion() is { } v ? $" ({v})" : string.Empty);
            results.Run = results.Run with { BrokerMode = brokerMode, AppSource = app.Source };
            await reportMode.RunAsync(new ReportContext(options, results, progress, keysDirectory, app), ct).ConfigureAwait(false);
        }

        results.Run.DurationSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1);
        results.Run.LoadAverage = $"{loadAtStart} at start, {MachineInfo.LoadAverage()} at end";
        return results;
    }

    /// <summary>Writes results.json, results.csv, summary.md and the PNGs from one results object; returns the file names.</summary>
    public static List<string> Write(ReportResults results, string directory)
    {
        ArgumentNullException.ThrowIfNull(results);
        Directory.CreateDirectory(directory);
        var plots = new List<string>();
        if (results.Attacks.Count > 0)
        {
            // The outcome grid keeps the old bar chart's file name, so links to it (summary.md, READMEs) still work.
            Plots.AttackOutcomes(results.Attacks, Path.Combine(directory, "attack-success.png"));
            plots.Add("attack-success.png");
        }

        if (results.Latency.Any(l => l.Cdf.Count > 0))
        {
            Plots.LatencyCdf(results.Latency, Path.Combine(directory, "latency-cdf.png"));
            plots.Add("latency-cdf.png");
        }

        if (results.Crypto is { } crypto)
        {
            Plots.CryptoCost(crypto, Path.Combine(directory, "crypto-cost.png"));
            plots.Add("crypto-cost.png");
        }

        if (results.Throughput.Count > 0)
        {
            Plots.Throughput(results.Throughput, Path.Combine(directory, "throughput.png"));
            plots.Add("throughput.png");
        }

        if (results.Flood.Any(f => f.Samples.Count > 0))
        {
            Plots.FloodMemory(results.Flood, Path.Combine(directory, "flood-memory.png"));
            plots.Add("flood-memory.png");
        }

        if (results.Chaos is { Timeline.Count: > 0 } chaos)
        {
            Chaos.ChaosPlot.Save(chaos, Path.Combine(directory, "chaos-timeline.png"));
            plots.Add("chaos-timeline.png");
        }

        File.WriteAllText(Path.Combine(directory, "results.json"), JsonOutput.Render(results));
        File.WriteAllText(Path.Combine(directory, "results.csv"), CsvWriter.Render(results));
        File.WriteAllText(Path.Combine(directory, "summary.md"), SummaryWriter.Render(results, plots));
        return ["results.json", "results.csv", "summary.md", .. plots];
    }
}
