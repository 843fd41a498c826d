using System.Net;
using Aspire.Hosting.ApplicationModel;
using SmartHome.AppHost.PipelineControl;

namespace SmartHome.AppHost.Tests;

/// <summary>What the AppHost's pipeline control surface lets the home console do, and whom it answers.</summary>
public sealed class PipelineControlRulesTests : IDisposable
{
    private const string Secret = "a-control-secret-of-this-run";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Only_each_homes_broker_sensor_and_actuator_may_be_stopped_and_started()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.SmartHome_AppHost>(
        [
            "--Broker:Mode=embedded",
            "--Pipelines:Insecure:BrokerPort=0",
            "--Pipelines:Secure:BrokerPort=0",
            $"--SmartHome:KeysDirectory={Path.Combine(_temp.Path, "keys")}",
            $"--SmartHome:LogDirectory={Path.Combine(_temp.Path, "logs")}",
            $"--SmartHome:StateDirectory={Path.Combine(_temp.Path, "state")}",
        ]);

        var allowed = PipelineControlRules.AllowList(builder.Resources);

        Assert.Equal(["insecure-actuator", "insecure-broker", "insecure-sensor", "secure-actuator", "secure-broker", "secure-sensor"], allowed.Order());
    }

    [Fact]
    public void Only_stop_and_start_are_run()
    {
        Assert.Equal(KnownResourceCommands.StopCommand, PipelineControlRules.Command("stop"));
        Assert.Equal(KnownResourceCommands.StartCommand, PipelineControlRules.Command("start"));
        Assert.Null(PipelineControlRules.Command("restart"));
        Assert.Null(PipelineControlRules.Command("delete"));
    }

    [Fact]
    public void A_caller_on_this_machine_with_the_secret_may_go_on() =>
        Assert.Null(PipelineControlRules.Check(IPAddress.Loopback, "Bearer " + Secret, Secret));

    [Theory]
    [InlineData("192.0.2.2", "Bearer " + Secret, 403)]
    [InlineData("127.0.0.1", null, 401)]
    [InlineData("127.0.0.1", "Bearer not-the-secret", 401)]
    [InlineData("::1", "Basic " + Secret, 401)]
    public void Anyone_else_is_refused(string remote, string? authorization, int status) =>
        Assert.Equal(status, PipelineControlRules.Check(IPAddress.Parse(remote), authorization, Secret)?.Status);
}
