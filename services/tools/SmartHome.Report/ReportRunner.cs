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
            // Not cancellable: what was measured is written even when Ctrl+C comes while writing.
            var files = await ReportWriter.WriteAsync(results, options.OutputDirectory).ConfigureAwait(false);
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
}
