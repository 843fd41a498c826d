using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SmartHome.ServiceDefaults;

/// <summary>
/// Stops this service when the AppHost that started it is gone. If the AppHost dies without a
/// graceful shutdown (SIGKILL, a terminal closed, `timeout`), its orchestrator may not get to stop
/// its children; this makes sure no service outlives it. The AppHost passes its pid and start time.
/// </summary>
public sealed partial class AppHostWatchdog(IConfiguration configuration, IHostApplicationLifetime lifetime, ILogger<AppHostWatchdog> logger)
    : BackgroundService
{
    public const string PidKey = "SmartHome:AppHostPid";
    public const string StartTimeKey = "SmartHome:AppHostStartTicks";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!int.TryParse(configuration[PidKey], out var pid) || !long.TryParse(configuration[StartTimeKey], out var startTicks))
        {
            return; // not started by the AppHost
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (!IsAlive(pid, startTicks))
            {
                LogAppHostGone(logger, pid);
                lifetime.StopApplication();
                return;
            }
        }
    }

    /// <summary>True while the process with this pid exists and is the same process (pids get reused).</summary>
    public static bool IsAlive(int pid, long startTicks)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            // Linux derives StartTime from the boot time, which jitters by milliseconds between reads.
            var drift = Math.Abs(process.StartTime.ToUniversalTime().Ticks - startTicks);
            return !process.HasExited && drift < TimeSpan.FromSeconds(2).Ticks;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    [LoggerMessage(LogLevel.Warning, "The AppHost (pid {Pid}) is gone; stopping so no service outlives it")]
    private static partial void LogAppHostGone(ILogger logger, int pid);
}
