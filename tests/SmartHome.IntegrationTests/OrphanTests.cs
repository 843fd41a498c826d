using System.Globalization;

namespace SmartHome.IntegrationTests;

/// <summary>
/// The AppHost and DCP (its orchestrator: the API server, the controllers and their process monitors) killed with SIGKILL,
/// so nobody gets to stop anything: no broker and no service of that run may survive. Brokers die with DCP's controller
/// through the kernel's parent-death signal (setpriv --pdeathsig), services through their AppHost watchdog.
/// </summary>
public sealed class OrphanTests
{
    [ToolFact("mosquitto")]
    public Task Killing_AppHost_and_DCP_with_SIGKILL_leaves_no_mosquitto_and_no_service() => KillEverythingAsync("executable", "mosquitto");

    [Fact]
    public Task Killing_AppHost_and_DCP_with_SIGKILL_leaves_no_embedded_broker_and_no_service() =>
        KillEverythingAsync("embedded", "SmartHome.EmbeddedBroker");

    private static async Task KillEverythingAsync(string mode, string brokerMarker)
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // reads /proc, sends POSIX signals
        }

        await using var app = AppHostProcess.Start(hideMosquitto: false, defaultSigInt: false, $"--Broker:Mode={mode}");
        var children = new HashSet<int>();
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline && !app.Process.HasExited)
        {
            children = app.Owned();
            // The services themselves, not only DCP's `dotnet run` launchers of them (a launcher starts its service later).
            if (Count(children, brokerMarker) >= 2 && Services(children, "SmartHome.Sensor") >= 2 && Services(children, "SmartHome.Actuator") >= 2)
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.True(Count(children, brokerMarker) >= 2 && Services(children, "SmartHome.Actuator") >= 2 && Services(children, "SmartHome.Sensor") >= 2,
            $"the app started both brokers and services (found {children.Count})\n{app.Describe()}");
        var dcp = DcpOf(app.Pid);
        Assert.True(dcp.Count >= 2, $"DCP's API server and controllers of AppHost {app.Pid} are found (found {dcp.Count})");

        // Everything that could stop the children, at once.
        // Aspire's own dashboard outlives a SIGKILLed DCP (it is not ours to supervise); the test still stops every
        // process it caused, or a stray dashboard keeps ports and inherited file descriptors after the run.
        var dashboards = ChildrenOf(dcp.Append(app.Pid).ToHashSet(), "Aspire.Dashboard");
        try
        {
            await AssertNothingOutlivesAsync(app, dcp, children, brokerMarker);
        }
        finally
        {
            foreach (var pid in dashboards.Where(AppHostProcess.IsRunning))
            {
                AppHostProcess.Kill(pid, 9);
            }
        }
    }

    private static async Task AssertNothingOutlivesAsync(AppHostProcess app, HashSet<int> dcp, HashSet<int> children, string brokerMarker)
    {
        foreach (var pid in dcp)
        {
            AppHostProcess.Kill(pid, 9);
        }

        Assert.Equal(0, AppHostProcess.Kill(app.Pid, 9));
        Assert.True(app.Process.WaitForExit(TimeSpan.FromSeconds(10)), "the AppHost died");

        var brokers = children.Where(pid => AppHostProcess.Command(pid).Contains(brokerMarker, StringComparison.Ordinal)).ToList();
        for (var i = 0; i < 50 && brokers.Any(AppHostProcess.IsRunning); i++)
        {
            await Task.Delay(100);
        }

        Assert.True(!brokers.Any(AppHostProcess.IsRunning), "a broker outlived DCP by 5 s: " +
            string.Join("; ", brokers.Where(AppHostProcess.IsRunning).Select(AppHostProcess.Command)));

        // Brokers die with DCP at once (the kernel kills them); services notice within a second that the AppHost is gone
        // and then stop gracefully, which on this loaded 2-core machine can take a while.
        var left = new HashSet<int>();
        for (var i = 0; i < 120; i++)
        {
            left = app.Seen.Concat(app.Owned()).Where(AppHostProcess.IsRunning).ToHashSet();
            if (left.Count == 0)
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.True(left.Count == 0, "left behind 60 s after SIGKILL of the AppHost and DCP: " + string.Join("; ", left.Select(AppHostProcess.Command)));
    }

    /// <summary>Processes whose parent is one of <paramref name="parents"/> and whose command contains <paramref name="marker"/>.</summary>
    private static List<int> ChildrenOf(HashSet<int> parents, string marker)
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                if (parents.Contains(parent) && AppHostProcess.Command(pid).Contains(marker, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
            }
        }

        return found;
    }

    private static int Services(HashSet<int> pids, string project) =>
        pids.Count(pid => AppHostProcess.Command(pid) is var command && command.Contains(project, StringComparison.Ordinal)
                                                                     && !command.Contains("dotnet run", StringComparison.Ordinal));

    private static int Count(HashSet<int> pids, string marker) =>
        pids.Count(pid => AppHostProcess.Command(pid).Contains(marker, StringComparison.Ordinal));

    /// <summary>DCP's API server started for this AppHost (<c>dcp start-apiserver --monitor PID</c>) and every process below it.</summary>
    private static HashSet<int> DcpOf(int apphost)
    {
        var parents = new Dictionary<int, int>();
        var servers = new HashSet<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                var args = File.ReadAllText(Path.Combine(directory, "cmdline")).Split('\0');
                var monitor = Array.IndexOf(args, "--monitor");
                if (args.Contains("start-apiserver") && monitor >= 0 && monitor + 1 < args.Length
                    && args[monitor + 1] == apphost.ToString(CultureInfo.InvariantCulture))
                {
                    servers.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
            {
                // exited
            }
        }

        var dcp = new HashSet<int>(servers);
        for (var grew = true; grew;)
        {
            grew = false;
            foreach (var (pid, parent) in parents)
            {
                if (dcp.Contains(parent) && !dcp.Contains(pid) && Path.GetFileName(AppHostProcess.Command(pid).Split(' ')[0]) == "dcp")
                {
                    grew |= dcp.Add(pid);
                }
            }
        }

        return dcp;
    }
}
