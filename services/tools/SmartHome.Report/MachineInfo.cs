using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace SmartHome.Report;

/// <summary>The facts a reader needs to reproduce a run: CPU, memory, OS, runtime, versions, commit.</summary>
public static class MachineInfo
{
    public static string Describe()
    {
        var cpu = ReadFirst("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memKb = ReadFirst("/proc/meminfo", "MemTotal")?.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        var mem = long.TryParse(memKb, out var kb) ? $", {kb / 1024.0 / 1024.0:0.0} GiB RAM" : string.Empty;
        return cpu + mem;
    }

    /// <summary>The first three fields of /proc/loadavg, or "n/a".</summary>
    public static string LoadAverage()
    {
        try
        {
            return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "n/a";
        }
    }

    public static string Os => RuntimeInformation.OSDescription;

    public static string Runtime => RuntimeInformation.FrameworkDescription + " " + RuntimeInformation.ProcessArchitecture +
        $", build {typeof(MachineInfo).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "?"}";

    public static string AspireVersion =>
        typeof(Aspire.Hosting.DistributedApplication).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion is { } v
            ? v.Split('+')[0]
            : "unknown";

    public static string? GitCommit(string repositoryRoot) => Run("git", $"-C \"{repositoryRoot}\" rev-parse --short HEAD");

    /// <summary>First line of <c>mosquitto -h</c> (e.g. "mosquitto version 2.0.11"), or null.</summary>
    public static string? MosquittoVersion() =>
        Run("mosquitto", "-h", stdoutOnlyFirstLine: true) is { } line && line.Contains("version", StringComparison.Ordinal) ? line : null;

    private static string? ReadFirst(string file, string key)
    {
        try
        {
            var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
            return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? Run(string file, string arguments, bool stdoutOnlyFirstLine = true)
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo(file, arguments)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (p is null)
            {
                return null;
            }

            var stdout = p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit(5000);
            var text = stdoutOnlyFirstLine ? stdout.Split('\n')[0].Trim() : stdout.Trim();
            return text.Length == 0 ? null : text;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>The repository root (the folder holding SmartHome.sln), from the working directory or the binary's location.</summary>
    public static string? FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "SmartHome.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    /// <summary>The whole machine's CPU counters since boot (all cores, from /proc/stat's first line); null where unavailable.</summary>
    public static MachineCpu? MachineCpuNow()
    {
        try
        {
            var first = File.ReadLines("/proc/stat").First();
            // "cpu  user nice system idle iowait irq softirq steal ...", in clock ticks summed over every core.
            var f = first.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8)
                .Select(v => long.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            var total = f.Sum();
            return new MachineCpu(total - f[3] - f[4], total);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException
                                       or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>CPU time (user + system) of any process, from /proc/PID/stat, in ms; null where unavailable.</summary>
    public static double? ProcCpuMs(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // Fields after "pid (comm)": state is [0], utime is [11], stime is [12], in clock ticks (100 Hz on Linux).
            return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) +
                    long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) * 10.0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}

/// <summary>The machine's busy and total CPU ticks over all cores (idle and iowait are not busy).</summary>
public readonly record struct MachineCpu(long Busy, long Total)
{
    /// <summary>Share of all cores that was busy between <paramref name="before"/> and <paramref name="after"/>, in %.</summary>
    public static double? BusyPercent(MachineCpu? before, MachineCpu? after) =>
        before is { } b && after is { } a && a.Total > b.Total ? 100.0 * (a.Busy - b.Busy) / (a.Total - b.Total) : null;
}
