using System.Diagnostics;

namespace SmartHome.IntegrationTests;

/// <summary>Expected setup mistakes end in one clear sentence naming the problem, not a stack trace.</summary>
public sealed class BadConfigurationTests
{
    [Theory]
    [InlineData("SmartHome.Actuator")]
    [InlineData("SmartHome.Sensor")]
    public async Task A_secure_service_without_keys_names_the_missing_file(string service)
    {
        var keys = Path.Combine(Path.GetTempPath(), "smarthome-nokeys-" + Guid.NewGuid().ToString("N")[..8]);
        var (code, stdout, stderr) = await RunAsync(service, "--Pipeline", "secure", $"--SmartHome:KeysDirectory={keys}",
            "--ConnectionStrings:broker=mqtts://127.0.0.1:1", $"--SmartHome:LogDirectory={keys}-logs");
        Assert.Equal(1, code);
        Assert.Contains(keys, stderr);
        Assert.DoesNotContain("   at ", stderr + stdout);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task An_unknown_pipeline_is_refused_with_the_valid_choices()
    {
        var (code, _, stderr) = await RunAsync("SmartHome.Actuator", "--Pipeline", "plaintext");
        Assert.Equal(2, code);
        Assert.Contains("--Pipeline insecure or --Pipeline secure", stderr);
    }

    [Fact]
    public async Task The_AppHost_explains_a_missing_mosquitto_in_one_sentence()
    {
        var (code, stdout, stderr) = await RunAsync("SmartHome.AppHost", "--Broker:MosquittoPath=/nonexistent/mosquitto");
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/mosquitto", stderr);
        Assert.DoesNotContain("   at ", stderr + stdout);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string project, params string[] args)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "SmartHome.sln")))
        {
            root = root.Parent;
        }

        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        var folder = project == "SmartHome.AppHost" ? project : Path.Combine("services", project);
        var executable = Path.Combine(root!.FullName, folder, "bin", configuration, "net10.0", project);
        var start = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
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
}
