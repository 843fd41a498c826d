using System.Diagnostics;

namespace SmartHome.Security.Tests;

/// <summary>External tools used by interop tests (openssl, mosquitto, node).</summary>
internal static class Tools
{
    public static string? Find(string name)
    {
        if (Path.IsPathRooted(name))
        {
            return File.Exists(name) ? name : null;
        }
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator).Concat(["/usr/sbin", "/usr/bin"]))
        {
            string p = Path.Combine(dir, name);
            if (File.Exists(p))
            {
                return p;
            }
        }
        return null;
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(string file, IEnumerable<string> args, int timeoutMs = 30_000, string? workDir = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workDir is not null)
        {
            psi.WorkingDirectory = workDir;
        }
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        Task<string> so = p.StandardOutput.ReadToEndAsync();
        Task<string> se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeoutMs} ms");
        }
        p.WaitForExit();
        return (p.ExitCode, so.Result, se.Result);
    }
}

/// <summary>A fact that is skipped, with a clear message, when an external tool is not installed.</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        string[] missing = tools.Where(t => Tools.Find(t) is null).ToArray();
        if (missing.Length > 0)
        {
            Skip = $"Skipped: required tool(s) not installed: {string.Join(", ", missing)}.";
        }
    }
}
