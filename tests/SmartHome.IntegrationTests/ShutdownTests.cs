namespace SmartHome.IntegrationTests;

/// <summary>
/// Stopping the AppHost as a user does (Ctrl+C = SIGINT, or SIGTERM from a process manager) must leave no broker or
/// service process behind. Runs the real AppHost executable, not the in-process test host, in its default broker mode:
/// the host's mosquitto, or the embedded broker where mosquitto is missing (both run from the AppHost's run directory
/// with a generated mosquitto.conf, so both are counted as brokers below).
/// </summary>
public sealed class ShutdownTests
{
    [Theory]
    [InlineData(2)] // SIGINT
    [InlineData(15)] // SIGTERM
    public async Task Stopping_the_AppHost_leaves_no_process_behind(int signal)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // the check reads /proc
        }

        await using var app = AppHostProcess.Start(hideMosquitto: false, defaultSigInt: true);
        // Both pipelines' brokers and all four services must be up before the stop means anything.
        var children = new HashSet<int>();
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline && !app.Process.HasExited)
        {
            children = app.Owned();
            if (children.Count(pid => AppHostProcess.Command(pid).Contains("mosquitto", StringComparison.Ordinal)) >= 2
                && children.Count(pid => AppHostProcess.Command(pid).Contains("SmartHome.Sensor", StringComparison.Ordinal)) >= 2
                && children.Count(pid => AppHostProcess.Command(pid).Contains("SmartHome.Actuator", StringComparison.Ordinal)) >= 2)
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.True(children.Count >= 6, $"the app started its processes (found {children.Count})\n{app.Describe()}");
        var runDirectory = app.RunDirectory;
        Assert.True(Directory.Exists(runDirectory), $"{runDirectory} exists while the app runs\n{app.Describe()}");
        Assert.Equal(0, AppHostProcess.Kill(app.Pid, signal));
        Assert.True(app.Process.WaitForExit(TimeSpan.FromSeconds(60)),
            "the AppHost did not stop within 60 s; still running: " +
            string.Join("; ", children.Where(AppHostProcess.IsRunning).Select(AppHostProcess.Command)) + "\n" + app.Describe());

        var left = new HashSet<int>();
        for (var i = 0; i < 40; i++)
        {
            left = app.Seen.Where(AppHostProcess.IsRunning).ToHashSet();
            if (left.Count == 0)
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.True(left.Count == 0, "left behind: " + string.Join("; ", left.Select(AppHostProcess.Command)));
        Assert.False(Directory.Exists(runDirectory), $"{runDirectory} (broker files, key copies) outlived the run\n{app.Describe()}");
    }
}
