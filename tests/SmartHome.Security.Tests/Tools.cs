using System.Diagnostics;

namespace SmartHome.Security.Tests;

/// <summary>Runs the external tools of the interop tests (openssl, mosquitto, node).</summary>
internal static class Tools
{
    /// <summary>The tool's full path, or null (see HostTools: tests that need one use [ToolFact]).</summary>
    public static string? Find(string name) => HostTools.Find(name);

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
