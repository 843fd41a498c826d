using System.Diagnostics;
using System.Net.Http.Json;
using System.Runtime.InteropServices;

namespace SmartHome.IntegrationTests;

/// <summary>
/// Stopping the AppHost as a user does (Ctrl+C = SIGINT, or SIGTERM from a process manager) must leave no
/// mosquitto or service process behind. Runs the real AppHost executable, not the in-process test host.
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

        var work = Path.Combine(Path.GetTempPath(), "smarthome-stop-" + Guid.NewGuid().ToString("N")[..8]);
        // Through `env --default-signal=INT`: a test run started in the background (nohup, `&`) passes SIGINT on as
        // ignored, and an AppHost that inherits that never sees the Ctrl+C this test sends. A terminal does not.
        var start = new ProcessStartInfo("/usr/bin/env")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(AppHostExecutable())!,
        };
        foreach (var arg in new[]
                 {
                     "--default-signal=INT", AppHostExecutable(),
                     "--Pipelines:Insecure:BrokerPort=0", "--Pipelines:Secure:BrokerPort=0",
                     $"--SmartHome:KeysDirectory={Path.Combine(work, "keys")}", $"--SmartHome:LogDirectory={Path.Combine(work, "logs")}",
                     $"--SmartHome:StateDirectory={Path.Combine(work, "state")}",
                 })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = "http://127.0.0.1:0";
        start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";

        using var apphost = Process.Start(start)!;
        // The AppHost's last lines, to say what it was doing if it does not stop.
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }

            output.Enqueue(line);
            while (output.Count > 40 && output.TryDequeue(out _))
            {
            }
        }

        apphost.OutputDataReceived += (_, e) => Keep(e.Data);
        apphost.ErrorDataReceived += (_, e) => Keep(e.Data);
        apphost.BeginOutputReadLine();
        apphost.BeginErrorReadLine();
        var children = new HashSet<int>();
        try
        {
            // Both pipelines' brokers and all four services must be up before the stop means anything.
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (DateTime.UtcNow < deadline)
            {
                children = OwnedProcesses(apphost.Id);
                if (children.Count(pid => Command(pid).Contains("mosquitto", StringComparison.Ordinal)) >= 2
                    && children.Count(pid => Command(pid).Contains("SmartHome.Sensor", StringComparison.Ordinal)) >= 2
                    && children.Count(pid => Command(pid).Contains("SmartHome.Actuator", StringComparison.Ordinal)) >= 2)
                {
                    break;
                }

                await Task.Delay(500);
            }

            Assert.True(children.Count >= 6, $"the app started its processes (found {children.Count})");
            Assert.Equal(0, Kill(apphost.Id, signal));
            Assert.True(apphost.WaitForExit(TimeSpan.FromSeconds(60)),
                "the AppHost did not stop within 60 s; still running: " +
                string.Join("; ", children.Where(IsRunning).Select(Command)) + "\nAppHost output:\n" + string.Join("\n", output));

            var left = new HashSet<int>();
            for (var i = 0; i < 40; i++)
            {
                left = children.Where(IsRunning).ToHashSet();
                if (left.Count == 0)
                {
                    break;
                }

                await Task.Delay(500);
            }

            Assert.True(left.Count == 0, "left behind: " + string.Join("; ", left.Select(Command)));
        }
        finally
        {
            foreach (var pid in children.Where(IsRunning))
            {
                Kill(pid, 9);
            }

            if (!apphost.HasExited)
            {
                apphost.Kill(entireProcessTree: true);
            }

            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // best effort
            }
        }
    }

    /// <summary>Services carry the AppHost's pid in their environment; brokers run from its run directory.</summary>
    private static HashSet<int> OwnedProcesses(int apphostPid)
    {
        var owned = new HashSet<int>();
        var marker = $"SmartHome__AppHostPid={apphostPid}";
        var brokerDirectory = $"/smarthome-apphost/{apphostPid}/";
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || pid == apphostPid)
            {
                continue;
            }

            try
            {
                var environ = File.ReadAllText(Path.Combine(directory, "environ"));
                if (environ.Contains(marker, StringComparison.Ordinal) || Command(pid).Contains(brokerDirectory, StringComparison.Ordinal))
                {
                    owned.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // exited or not ours
            }
        }

        return owned;
    }

    private static string Command(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            // A zombie has exited; only its parent has not reaped it yet.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state != 'Z' && state != 'X';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string AppHostExecutable()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "SmartHome.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = Path.Combine(directory!.FullName, "SmartHome.AppHost", "bin", configuration, "net10.0", "SmartHome.AppHost");
        Assert.True(File.Exists(path), $"{path} is built");
        return path;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
