using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace SmartHome.AppHost;

/// <summary>
/// The run directory (<c>{temp}/smarthome-apphost/{AppHost pid}</c>) holds what this run's brokers need: their generated
/// configuration, the secure broker's copies of its TLS key and password file, its persistence, the control secret. Nothing
/// reads it after the run (the next run has another pid), so it goes when the app stops: copies of secrets must not pile up in
/// the temp directory, one per run.
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

    /// <summary>Deletes the directory and everything in it; a failure is logged, never thrown (the app is stopping).</summary>
    private void Delete()
    {
        try
        {
            if (Directory.Exists(_directory))
            {
                Directory.Delete(_directory, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            LogNotDeleted(_logger, _directory, ex.Message);
        }
    }

    [LoggerMessage(LogLevel.Warning, "The run directory {Directory} could not be deleted ({Error}); it holds copies of the secure broker's key and password file: delete it by hand")]
    private static partial void LogNotDeleted(ILogger logger, string directory, string error);
}
