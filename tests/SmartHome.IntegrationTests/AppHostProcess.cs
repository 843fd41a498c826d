using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace SmartHome.IntegrationTests;

/// <summary>
/// The real AppHost executable as a user starts it (not the in-process test host): random broker ports, its own keys,
/// logs and state in a temp folder, optionally on "a machine without mosquitto" (see <see cref="StartInfo"/>). Keeps its
/// output, finds the processes it started, and says what it was doing when a wait fails.
/// </summary>
internal sealed class AppHostProcess : IAsyncDisposable
{
    private readonly List<string> _output = [];
    private readonly HashSet<int> _seen = [];

    private AppHostProcess(Process process, string work)
    {
        Process = process;
        WorkDirectory = work;
        RunDirectory = Path.Combine(Path.GetTempPath(), "smarthome-apphost", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public Process Process { get; }

    /// <summary>The AppHost's pid (unshare, sh and env exec it in place, so the started process is the AppHost).</summary>
    public int Pid => Process.Id;

    public string WorkDirectory { get; }

    public string LogDirectory => Path.Combine(WorkDirectory, "logs");

    /// <summary>
    /// The AppHost's own run directory (<c>{temp}/smarthome-apphost/{pid}</c>): the brokers run from it, and it holds copies of
    /// the secure broker's TLS key and password file.
    /// </summary>
    public string RunDirectory { get; }

    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    /// <param name="hideMosquitto">Run it where /usr/sbin is an empty tmpfs: no mosquitto.</param>
    /// <param name="defaultSigInt">
    /// Through <c>env --default-signal=INT</c>: a test run started in the background (nohup, <c>&amp;</c>) passes SIGINT on
    /// as ignored, and an AppHost that inherits that never sees a Ctrl+C a test sends. A terminal does not.
    /// </param>
    public static AppHostProcess Start(bool hideMosquitto, bool defaultSigInt, params string[] extraArgs)
    {
        var work = Path.Combine(Path.GetTempPath(), "smarthome-apphost-test-" + Guid.NewGuid().ToString("N")[..8]);
        string[] args =
        [
            "--Pipelines:Insecure:BrokerPort=0", "--Pipelines:Secure:BrokerPort=0",
            $"--SmartHome:KeysDirectory={Path.Combine(work, "keys")}", $"--SmartHome:LogDirectory={Path.Combine(work, "logs")}",
            $"--SmartHome:StateDirectory={Path.Combine(work, "state")}",
            .. extraArgs,
        ];
        var start = defaultSigInt
            ? StartInfo("/usr/bin/env", ["--default-signal=INT", Executable("SmartHome.AppHost"), .. args], hideMosquitto)
            : StartInfo(Executable("SmartHome.AppHost"), args, hideMosquitto);
        start.WorkingDirectory = Path.GetDirectoryName(Executable("SmartHome.AppHost"))!;
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = "http://127.0.0.1:0";
        start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";

        var app = new AppHostProcess(Process.Start(start)!, work);
        app.Process.OutputDataReceived += (_, e) => app.Keep(e.Data);
        app.Process.ErrorDataReceived += (_, e) => app.Keep(e.Data);
        app.Process.BeginOutputReadLine();
        app.Process.BeginErrorReadLine();
        return app;
    }

    /// <summary>
    /// How to start <paramref name="file"/>. With <paramref name="hideMosquitto"/> on a machine that has mosquitto: inside
    /// <c>unshare --mount</c> with an empty tmpfs over /usr/sbin, where Debian's mosquitto lives, so that process tree meets
    /// a machine without mosquitto and nothing outside it changes (private mount namespace; needs root, see
    /// <see cref="HostTools.NoMosquitto"/>). It exits 97 if the mount fails and 98 if a mosquitto is still on PATH, so a
    /// broken simulation never passes for a fallback. On a machine without mosquitto it simply runs.
    /// </summary>
    public static ProcessStartInfo StartInfo(string file, IEnumerable<string> args, bool hideMosquitto)
    {
        var wrap = hideMosquitto && HostTools.Find("mosquitto") is not null;
        var start = new ProcessStartInfo(wrap ? HostTools.Find("unshare") ?? "unshare" : file)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (wrap)
        {
            const string Script =
                "mount -t tmpfs -o size=1m,mode=0755 smarthome-no-mosquitto /usr/sbin || exit 97; " +
                "if command -v mosquitto >/dev/null 2>&1; then echo \"mosquitto is still visible: $(command -v mosquitto)\" >&2; exit 98; fi; " +
                "exec \"$@\"";
            foreach (var arg in new[] { "--mount", "--propagation", "private", "--", "/bin/sh", "-c", Script, "smarthome-no-mosquitto", file })
            {
                start.ArgumentList.Add(arg);
            }
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }

    /// <summary>The processes this AppHost started (services carry its pid in their environment; brokers run from its run directory).</summary>
    public HashSet<int> Owned()
    {
        var owned = OwnedProcesses(Pid);
        lock (_seen)
        {
            _seen.UnionWith(owned);
        }

        return owned;
    }

    /// <summary>
    /// What the app was doing, for a failed wait: its processes, the AppHost's last output and each service's last JSON
    /// log lines (the log directory the test gave it).
    /// </summary>
    public string Describe()
    {
        var report = new StringBuilder();
        report.Append("AppHost ").Append(Process.HasExited ? $"exited with {Process.ExitCode}" : "running").Append('\n');
        report.Append("Its processes:\n");
        foreach (var pid in Owned())
        {
            report.Append("  ").Append(pid).Append(' ').Append(Command(pid)).Append('\n');
        }

        report.Append("AppHost output (last 40 lines):\n");
        foreach (var line in Output.TakeLast(40))
        {
            report.Append("  ").Append(line).Append('\n');
        }

        foreach (var resource in new[] { "insecure-actuator", "insecure-sensor", "secure-actuator", "secure-sensor" })
        {
            var lines = SmartHomeAppFixture.LogFileTail(LogDirectory, resource, 15);
            report.Append("Last lines of ").Append(resource).Append(".log:\n");
            report.Append(lines.Count == 0 ? "  (no log)\n" : string.Concat(lines.Select(l => "  " + l + "\n")));
        }

        return report.ToString();
    }

    /// <summary>Every process this AppHost was seen to own (<see cref="Owned"/>), including those already gone.</summary>
    public IReadOnlyCollection<int> Seen
    {
        get
        {
            lock (_seen)
            {
                return [.. _seen];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Whatever the test did: nothing of this run may outlive it.
        foreach (var pid in Seen.Concat(Owned()).Distinct().Where(IsRunning))
        {
            Kill(pid, 9);
        }

        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            await Process.WaitForExitAsync();
        }

        Process.Dispose();
        DeleteBestEffort(WorkDirectory);
        // A killed AppHost (the orphan tests SIGKILL it) cannot delete its run directory; the next AppHost's start would,
        // but a test run must not leave copies of the secure broker's secrets until then.
        DeleteBestEffort(RunDirectory);
    }

    private static void DeleteBestEffort(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
            // best effort: temp is cleaned by the OS
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            // Bounded, but large enough that the AppHost's first lines (the broker it chose) stay.
            if (_output.Count < 20_000)
            {
                _output.Add(line);
            }
        }
    }

    public static HashSet<int> OwnedProcesses(int apphostPid)
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

    public static string Command(int pid)
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

    public static bool IsRunning(int pid)
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

    /// <summary>The built executable of the AppHost or a service (same configuration as these tests).</summary>
    public static string Executable(string project)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "SmartHome.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        // Services live one level down, in services/apps, services/libraries or services/tools.
        var folder = project == "SmartHome.AppHost"
            ? Path.Combine(directory!.FullName, project)
            : Directory.GetDirectories(Path.Combine(directory!.FullName, "services"), project, SearchOption.AllDirectories).Single();
        var path = Path.Combine(folder, "bin", configuration, "net10.0", project);
        Assert.True(File.Exists(path), $"{path} is built");
        return path;
    }

    /// <summary>
    /// Runs the built <paramref name="project"/> until it exits by itself (a program refusing bad settings exits at once),
    /// killed after a minute if it does not; returns its exit code and what it wrote.
    /// </summary>
    public static async Task<(int Code, string Stdout, string Stderr)> RunToExitAsync(string project, IEnumerable<string> args, bool hideMosquitto = false)
    {
        using var process = Process.Start(StartInfo(Executable(project), args, hideMosquitto))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static extern int Kill(int pid, int signal);
}
