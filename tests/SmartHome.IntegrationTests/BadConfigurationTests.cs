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

    [Theory]
    [InlineData("SmartHome.Sensor", "--Outbox:MaxCount=0", "Outbox:MaxCount")]
    [InlineData("SmartHome.Sensor", "--Outbox:MaxAgeSeconds=-1", "Outbox:MaxAgeSeconds")]
    [InlineData("SmartHome.Sensor", "--Outbox:RetryInitialSeconds=60", "Outbox:RetryInitialSeconds")]
    [InlineData("SmartHome.Sensor", "--Sensor:ReadingsPerSecond=-4", "Sensor:ReadingsPerSecond")]
    [InlineData("SmartHome.Sensor", "--Sensor:Devices:0=Temp_Living", "Temp_Living")]
    [InlineData("SmartHome.Sensor", "--Sensor:Seed=many", "Sensor:Seed")]
    [InlineData("SmartHome.Actuator", "--Actuator:DecisionLogCapacity=0", "Actuator:DecisionLogCapacity")]
    [InlineData("SmartHome.Actuator", "--Actuator:AppliedIdsPerSender=-1", "Actuator:AppliedIdsPerSender")]
    public async Task Service_settings_are_validated_at_start_in_one_sentence(string service, string setting, string named)
    {
        var state = Path.Combine(Path.GetTempPath(), "smarthome-settings-" + Guid.NewGuid().ToString("N")[..8]);
        var (code, stdout, stderr) = await RunAsync(service, "--Pipeline", "insecure", setting,
            "--ConnectionStrings:broker=mqtt://127.0.0.1:1", $"--SmartHome:StateDirectory={state}", $"--SmartHome:LogDirectory={state}-logs");
        Assert.Equal(1, code);
        Assert.Contains(named, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.DoesNotContain("   at ", stderr + stdout);
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

    /// <summary>
    /// Mosquitto hidden from the AppHost (<see cref="AppHostProcess.StartInfo"/>) and asked for explicitly: no silent
    /// fallback to the embedded broker, but the one sentence that says how to install it or choose another mode.
    /// </summary>
    [ToolFact(HostTools.NoMosquitto)]
    public async Task An_explicit_executable_broker_without_mosquitto_is_refused_in_one_sentence()
    {
        var (code, stdout, stderr) = await RunAsync("SmartHome.AppHost", hideMosquitto: true,
            "--Broker:Mode=executable", "--Pipelines:Insecure:BrokerPort=0", "--Pipelines:Secure:BrokerPort=0");
        Assert.True(code == 1, $"exit code {code}; stderr: {stderr}; stdout: {stdout}");
        Assert.Equal(SmartHome.AppHost.Brokers.MosquittoLocator.InstallHint, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.DoesNotContain("embedded broker (Broker:Mode=embedded)", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr + stdout);
    }

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(string project, params string[] args) =>
        RunAsync(project, hideMosquitto: false, args);

    private static Task<(int Code, string Stdout, string Stderr)> RunAsync(string project, bool hideMosquitto, params string[] args) =>
        AppHostProcess.RunToExitAsync(project, args, hideMosquitto);
}
