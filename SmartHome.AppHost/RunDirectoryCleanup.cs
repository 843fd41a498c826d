using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SmartHome.AppHost;

/// <summary>
/// The run directory (<c>{temp}/smarthome-apphost/{AppHost pid}</c>) holds what this run's brokers need: their generated
/// configuration, the secure broker's copies of its TLS key and password file, its persistence, the control secret. Nothing
/// reads it after the run (the next run has another pid), so it goes when the app stops: copies of secrets must not pile up in
/// the temp directory, one per run. An AppHost that was killed (SIGKILL, a crash, a power loss) cannot delete its own, so
/// each start also deletes the run directories of AppHosts that no longer run.
/// </summary>
public sealed partial class RunDirectoryCleanup
{
    private readonly string _directory;
    private ILogger _logger = NullLogger.Instance;
    private int _started;

    private RunDirectoryCleanup(string directory) => _directory = directory;

    /// <summary>Deletes <see cref="AppHostSettings.RunDirectory"/> once the app has stopped (its brokers are stopped by then).</summary>
    public static RunDirectoryCleanup Register(IDistributedApplicationBuilder builder, AppHostSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        var cleanup = new RunDirectoryCleanup(settings.RunDirectory);
        builder.Eventing.Subscribe<BeforeStartEvent>((evt, _) =>
        {
            cleanup._logger = evt.Services.GetRequiredService<ILoggerFactory>().CreateLogger<RunDirectoryCleanup>();
            Volatile.Write(ref cleanup._started, 1);
            if (Path.GetDirectoryName(settings.RunDirectory) is { } root)
            {
                SweepAbandoned(root, Environment.ProcessId, IsRunning, cleanup._logger);
            }

            evt.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopped.Register(cleanup.Delete);
            return Task.CompletedTask;
        });
        return cleanup;
    }

    /// <summary>
    /// Call when the app's run has returned or thrown: a stop that comes while the app is still starting never raises
    /// ApplicationStopped. Deletes nothing when the app never got to start (an in-process test host only builds it).
    /// </summary>
    public void AfterRun()
    {
        if (Volatile.Read(ref _started) == 1)
        {
            Delete();
        }
    }

    /// <summary>
    /// Deletes (and logs) the run directories under <paramref name="root"/> whose AppHost (the pid that names them) no longer
    /// runs, and returns them. Keeps this AppHost's own, every running pid's (a reused pid only delays the deletion to a later start)
    /// and anything not named by a pid.
    /// </summary>
    public static IReadOnlyList<string> SweepAbandoned(string root, int ownPid, Func<int, bool> isRunning, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(isRunning);
        ArgumentNullException.ThrowIfNull(logger);
        if (!Directory.Exists(root))
        {
            return [];
        }

        var deleted = new List<string>();
        foreach (var directory in Directory.EnumerateDirectories(root))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ||
                pid == ownPid || isRunning(pid))
            {
                continue;
            }

            if (TryDelete(directory, logger))
            {
                LogAbandonedDeleted(logger, directory);
                deleted.Add(directory);
            }
        }

        return deleted;
    }

    /// <summary>Whether a process with this pid runs now (on Linux, a zombie still counts until its parent reaps it).</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    private void Delete() => TryDelete(_directory, _logger);

    /// <summary>Deletes the directory and everything in it; a failure is logged, never thrown (the app is starting or stopping).</summary>
    private static bool TryDelete(string directory, ILogger logger)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }

            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogNotDeleted(logger, directory, ex.Message);
            return false;
        }
    }

    [LoggerMessage(LogLevel.Warning, "The run directory {Directory} could not be deleted ({Error}); it holds copies of the secure broker's key and password file: delete it by hand")]
    private static partial void LogNotDeleted(ILogger logger, string directory, string error);

    [LoggerMessage(LogLevel.Information, "Deleted the run directory {Directory}, left by an AppHost that no longer runs (killed or crashed)")]
    private static partial void LogAbandonedDeleted(ILogger logger, string directory);
}
