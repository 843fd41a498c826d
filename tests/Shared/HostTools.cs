using System.Diagnostics;

namespace SmartHome.Tests;

/// <summary>
/// What a test needs from the machine beyond the .NET SDK, found where Debian installs it, with the apt package that
/// installs it. Linked into every test project that needs a tool (one source, one wording). Why skip instead of fail:
/// `dotnet test SmartHome.sln` must pass on a machine with only the SDK, and say what it did not test and how to get it;
/// CI (.ci/run) installs everything and counts any skip as a failure, so nothing is silently untested there.
/// </summary>
public static class HostTools
{
    /// <summary>
    /// Not a program: a process tree without mosquitto. Here already when mosquitto is not installed; else a private mount
    /// namespace in which this process may mount (root) hides /usr/sbin from it (see the integration tests' AppHostProcess).
    /// </summary>
    public const string NoMosquitto = "unshare";

    private static readonly Dictionary<string, string> AptPackages = new(StringComparer.Ordinal)
    {
        ["mosquitto"] = "mosquitto",
        ["mosquitto_passwd"] = "mosquitto",
        ["mosquitto_pub"] = "mosquitto-clients",
        ["mosquitto_sub"] = "mosquitto-clients",
        ["openssl"] = "openssl",
        ["node"] = "nodejs",
        ["chromium"] = "chromium",
    };

    // Debian puts mosquitto in /usr/sbin, which is often not on a user's PATH; the AppHost looks there too.
    private static readonly string[] WellKnownDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin"];

    private static readonly Lazy<bool> CanHideUsrSbin = new(ProbeMountNamespace);

    /// <summary>The full path of <paramref name="tool"/> (a name, or an absolute path that must exist), or null.</summary>
    public static string? Find(string tool)
    {
        if (Path.IsPathRooted(tool))
        {
            return File.Exists(tool) ? tool : null;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(WellKnownDirectories)
            .Select(directory => Path.Combine(directory, tool))
            .FirstOrDefault(File.Exists);
    }

    public static bool Available(string tool) => tool == NoMosquitto
        ? Find("mosquitto") is null || (Find("unshare") is not null && CanHideUsrSbin.Value)
        : Find(tool) is not null;

    /// <summary>
    /// Null when every tool is there; else one line naming what is missing and how to install it, e.g.
    /// "Skipped: needs mosquitto (sudo apt-get install -y mosquitto)".
    /// </summary>
    public static string? SkipReason(params string[] tools)
    {
        var missing = tools.Where(t => !Available(t)).ToList();
        if (missing.Count == 0)
        {
            return null;
        }

        var fixes = new List<string>();
        var packages = missing.Where(AptPackages.ContainsKey).Select(t => AptPackages[t]).Distinct().ToList();
        if (packages.Count > 0)
        {
            fixes.Add("sudo apt-get install -y " + string.Join(' ', packages));
        }

        if (missing.Contains(NoMosquitto))
        {
            fixes.Add("mosquitto is installed here, so the test hides /usr/sbin from the app in a private mount namespace: " +
                      "run the tests as root, with util-linux's unshare");
        }

        var unknown = missing.Where(t => !AptPackages.ContainsKey(t) && t != NoMosquitto).ToList();
        if (unknown.Count > 0)
        {
            fixes.Add("install " + string.Join(", ", unknown));
        }

        return $"Skipped: needs {string.Join(", ", missing)} ({string.Join("; ", fixes)})";
    }

    /// <summary>Can this process give a child its own mount namespace and mount a tmpfs over /usr/sbin in it?</summary>
    private static bool ProbeMountNamespace()
    {
        if (!OperatingSystem.IsLinux() || Find("unshare") is not { } unshare)
        {
            return false;
        }

        try
        {
            var start = new ProcessStartInfo(unshare)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[] { "--mount", "--propagation", "private", "--", "/bin/sh", "-c", "mount -t tmpfs -o size=64k smarthome-probe /usr/sbin" })
            {
                start.ArgumentList.Add(arg);
            }

            using var probe = Process.Start(start)!;
            _ = probe.StandardOutput.ReadToEndAsync();
            _ = probe.StandardError.ReadToEndAsync();
            if (!probe.WaitForExit(10_000))
            {
                probe.Kill(entireProcessTree: true);
                return false;
            }

            return probe.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

/// <summary>A fact skipped, with <see cref="HostTools.SkipReason"/>'s message, when a tool it needs is not installed.</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    // xunit 2 reads Skip right after constructing the attribute, so the check runs at discovery.
    public ToolFactAttribute(params string[] tools) => Skip = HostTools.SkipReason(tools);
}

/// <summary>A theory skipped, with <see cref="HostTools.SkipReason"/>'s message, when a tool it needs is not installed.</summary>
public sealed class ToolTheoryAttribute : TheoryAttribute
{
    public ToolTheoryAttribute(params string[] tools) => Skip = HostTools.SkipReason(tools);
}
