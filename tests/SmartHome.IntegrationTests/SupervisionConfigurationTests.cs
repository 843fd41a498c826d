namespace SmartHome.IntegrationTests;

/// <summary>A restart policy that cannot work stops the real AppHost at start, in one sentence naming the setting.</summary>
public sealed class SupervisionConfigurationTests
{
    [Theory]
    [InlineData("--Supervision:CrashLoopCrashes=0", "Supervision:CrashLoopCrashes must be between 1 and 1000 (is 0).")]
    [InlineData("--Supervision:InitialBackoff=soon", "times are written hh:mm:ss[.fff]")]
    [InlineData("--Supervision:MaxBackoff=00:00:00.1", "Supervision:MaxBackoff must be between InitialBackoff")]
    public async Task A_bad_restart_policy_is_refused_at_start_in_one_sentence(string setting, string expected)
    {
        var (code, stdout, error) = await AppHostProcess.RunToExitAsync("SmartHome.AppHost",
            [setting, "--Pipelines:Insecure:BrokerPort=0", "--Pipelines:Secure:BrokerPort=0"]);
        Assert.True(code == 1, $"exit code {code}; stderr: {error}; stdout: {stdout}");
        Assert.Contains(expected, Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.DoesNotContain("   at ", error + stdout);
    }
}
