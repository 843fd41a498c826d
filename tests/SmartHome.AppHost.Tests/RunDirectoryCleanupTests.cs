using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;

namespace SmartHome.AppHost.Tests;

public sealed class RunDirectoryCleanupTests
{
    [Fact]
    public void A_start_deletes_the_run_directories_of_AppHosts_that_no_longer_run_and_keeps_the_rest()
    {
        using var root = new TempDirectory();
        using var running = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        try
        {
            var dead = RunDirectory(root, 4_000_001);
            File.WriteAllText(Path.Combine(dead, "server.key"), "copy of a key");
            var own = RunDirectory(root, 4_000_002);
            var alive = RunDirectory(root, running.Id);
            var notAPid = Path.Combine(root.Path, "notes");
            Directory.CreateDirectory(notAPid);

            var deleted = RunDirectoryCleanup.SweepAbandoned(
                root.Path, ownPid: 4_000_002, RunDirectoryCleanup.IsRunning, NullLogger.Instance);

            Assert.Equal([dead], deleted);
            Assert.False(Directory.Exists(dead));
            Assert.True(Directory.Exists(own));
            Assert.True(Directory.Exists(alive));
            Assert.True(Directory.Exists(notAPid));
        }
        finally
        {
            running.Kill();
            running.WaitForExit();
        }
    }

    [Fact]
    public void A_pid_counts_as_running_only_while_its_process_runs()
    {
        using var child = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        Assert.True(RunDirectoryCleanup.IsRunning(Environment.ProcessId));
        Assert.True(RunDirectoryCleanup.IsRunning(child.Id));

        child.Kill();
        child.WaitForExit();

        Assert.False(RunDirectoryCleanup.IsRunning(child.Id));
    }

    [Fact]
    public void A_missing_root_sweeps_nothing()
    {
        using var root = new TempDirectory();

        var deleted = RunDirectoryCleanup.SweepAbandoned(
            Path.Combine(root.Path, "absent"), Environment.ProcessId, _ => false, NullLogger.Instance);

        Assert.Empty(deleted);
    }

    private static string RunDirectory(TempDirectory root, int pid)
    {
        var path = Path.Combine(root.Path, pid.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(path);
        return path;
    }
}
