using System.Text;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Protocol;
using SmartHome.Contracts;

namespace SmartHome.IntegrationTests;

/// <summary>The whole AppHost with <c>--Broker:Mode=embedded</c>: both brokers are the MQTTnet fallback, run from the same generated files.</summary>
public sealed class EmbeddedModeFixture : IAsyncLifetime
{
    public SmartHomeAppFixture App { get; } = new();

    public EmbeddedModeFixture() => App.ExtraArgs.Add("--Broker:Mode=embedded");

    public Task InitializeAsync() => App.InitializeAsync();

    public Task DisposeAsync() => App.DisposeAsync();
}

/// <summary>The README's run command on a machine without Mosquitto: the embedded brokers carry both pipelines and enforce the secure broker's files.</summary>
public sealed class EmbeddedBrokerModeTests(EmbeddedModeFixture embedded) : IClassFixture<EmbeddedModeFixture>
{
    private SmartHomeAppFixture Fixture => embedded.App;

    private string CaFile => Path.Combine(Fixture.KeysDirectory, "broker", "ca.crt.pem");

    private string Password(string user) => File.ReadAllText(new SmartHome.Security.KeyPaths(Fixture.KeysDirectory).BrokerPassword(user)).Trim();

    [Fact]
    public async Task Both_pipelines_apply_readings_through_the_embedded_brokers()
    {
        var model = Fixture.App.Services.GetRequiredService<DistributedApplicationModel>();
        Assert.IsType<EmbeddedBrokerResource>(model.Resources.Single(r => r.Name == "insecure-broker"));
        Assert.IsType<EmbeddedBrokerResource>(model.Resources.Single(r => r.Name == "secure-broker"));

        await Fixture.WaitHealthyAsync("insecure-broker", "secure-broker", "insecure-actuator", "secure-actuator", "insecure-sensor", "secure-sensor");
        foreach (var actuator in new[] { "insecure-actuator", "secure-actuator" })
        {
            var http = Fixture.Http(actuator);
            var applied = await Fixture.EventuallyAsync(async () =>
            {
                var decisions = await http.GetAsync<List<Decision>>("/decisions?verdict=applied&limit=1000");
                return decisions?.Where(d => d.Kind != "session-key").ToList() is { Count: >= 8 } readings ? readings : null;
            }, TimeSpan.FromSeconds(60), $"eight readings applied by {actuator}");
            Assert.True(applied.Select(d => d.Kind).Distinct().Count() >= 3, $"{actuator} applies readings of three device kinds");
        }
    }

    [Fact]
    public async Task The_secure_embedded_broker_refuses_anonymous_clients_and_wrong_passwords_and_confines_devices()
    {
        await Fixture.WaitHealthyAsync("secure-broker", "secure-actuator");
        var broker = (await Fixture.App.GetConnectionStringAsync("secure-broker"))!;
        Assert.StartsWith("mqtts://", broker);

        Assert.Equal("refused", await ConnectAsync(broker, null, null));
        Assert.Equal("refused", await ConnectAsync(broker, "door-front", "not-the-password"));
        Assert.Equal("Success", await ConnectAsync(broker, "door-front", Password("door-front")));

        // The insider may write its own topic only: a forged reading for another device is refused (PUBACK 0x87, as Mosquitto).
        using var insider = new MqttClientFactory().CreateMqttClient();
        await insider.ConnectAsync(MqttTestClient.Options(broker, "plug-garage", Password("plug-garage"), CaFile));
        var attempt = Guid.NewGuid().ToString("N");
        var forged = await insider.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic("smarthome/readings/door-front").WithPayload("forged"u8.ToArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithUserProperty(MqttTestClient.AttemptIdProperty, Encoding.UTF8.GetBytes(attempt).AsMemory()).Build());
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, forged.ReasonCode);
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Empty((await Fixture.Http("secure-actuator").GetAsync<List<Decision>>($"/decisions?attemptId={attempt}"))!);
    }

    /// <summary>"Success", or "refused" when the broker's CONNACK is a refusal (MQTTnet reports it either way).</summary>
    private async Task<string> ConnectAsync(string broker, string? user, string? password)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var result = await client.ConnectAsync(MqttTestClient.Options(broker, user, password, CaFile));
            return result.ResultCode == MqttClientConnectResultCode.Success ? "Success" : "refused";
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException)
        {
            return "refused";
        }
    }
}
