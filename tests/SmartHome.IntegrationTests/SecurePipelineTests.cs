using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;
using SmartHome.Contracts;

namespace SmartHome.IntegrationTests;

/// <summary>
/// The secure pipeline as a user meets it: TLS, passwords and ACLs enforced by the AppHost's default broker (the host's
/// Mosquitto, else the embedded fallback, which answers the same), readings sealed end to end, every legit reading applied.
/// </summary>
[Collection(SmartHomeAppCollection.Name)]
public sealed class SecurePipelineTests(SmartHomeAppFixture fixture)
{
    private string CaFile => Path.Combine(fixture.KeysDirectory, "broker", "ca.crt.pem");

    private string Password(string user) => File.ReadAllText(new SmartHome.Security.KeyPaths(fixture.KeysDirectory).BrokerPassword(user)).Trim();

    [Fact]
    public async Task The_secure_actuator_applies_the_secure_sensors_readings()
    {
        await fixture.WaitHealthyAsync("secure-broker", "secure-actuator", "secure-sensor");
        var actuator = fixture.Http("secure-actuator");
        var applied = await fixture.EventuallyAsync(async () =>
        {
            var decisions = await actuator.GetAsync<List<Decision>>("/decisions?verdict=applied&limit=1000");
            return decisions?.Where(d => d.Kind != "session-key").ToList() is { Count: >= 8 } readings ? readings : null;
        }, TimeSpan.FromSeconds(60), "eight applied secure readings");
        Assert.True(applied.Select(d => d.Kind).Distinct().Count() >= 3);
        Assert.All(applied, d => Assert.NotNull(d.LatencyMs));

        var replay = await actuator.GetAsync<JsonElement>("/replay-window");
        Assert.True(replay.GetArrayLength() >= 4, "every device has replay state");
    }

    [Fact]
    public async Task The_broker_refuses_anonymous_clients_and_wrong_passwords()
    {
        await fixture.WaitHealthyAsync("secure-broker");
        var broker = (await fixture.App.GetConnectionStringAsync("secure-broker"))!;
        Assert.StartsWith("mqtts://", broker);

        var anonymous = await ConnectAsync(broker, null, null);
        Assert.NotEqual(MqttClientConnectResultCode.Success, anonymous);
        var wrong = await ConnectAsync(broker, "door-front", "not-the-password");
        Assert.NotEqual(MqttClientConnectResultCode.Success, wrong);
        var right = await ConnectAsync(broker, "door-front", Password("door-front"));
        Assert.Equal(MqttClientConnectResultCode.Success, right);
    }

    [Fact]
    public async Task A_valid_account_cannot_read_or_write_outside_its_ACL()
    {
        // 'auditor' logs in with a valid password but the ACL grants it no topic. (A device's own login would
        // displace the real device: the broker forces client id = username.)
        await fixture.WaitHealthyAsync("secure-broker", "secure-actuator", "secure-sensor");
        var broker = (await fixture.App.GetConnectionStringAsync("secure-broker"))!;
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(MqttTestClient.Options(broker, "auditor", Password("auditor"), CaFile));

        var received = new ConcurrentQueue<string>();
        client.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue(e.ApplicationMessage.Topic);
            return Task.CompletedTask;
        };
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("smarthome/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());

        // Mosquitto grants the subscription but checks read access per message: nothing may arrive while the
        // secure sensor publishes.
        var published = await fixture.Http("secure-sensor").PostAsync("/publish?count=8&ratePerSecond=20", null);
        published.EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Empty(received);

        // Publishing as a device is refused (PUBACK Not authorized) and never reaches the actuator.
        var attempt = Guid.NewGuid().ToString("N");
        var result = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic("smarthome/readings/door-front").WithPayload("forged"u8.ToArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithUserProperty(MqttTestClient.AttemptIdProperty, Encoding.UTF8.GetBytes(attempt).AsMemory()).Build());
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, result.ReasonCode);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var decisions = await fixture.Http("secure-actuator").GetAsync<List<Decision>>($"/decisions?attemptId={attempt}");
        Assert.Empty(decisions!);
    }

    [Fact]
    public async Task No_reading_is_readable_on_the_secure_broker_even_for_a_privileged_account()
    {
        await fixture.WaitHealthyAsync("secure-broker", "secure-actuator", "secure-sensor");
        var broker = (await fixture.App.GetConnectionStringAsync("secure-broker"))!;
        using var monitor = await MqttCapture.StartAsync(MqttTestClient.Options(broker, "monitor", Password("monitor"), CaFile), "#");

        var sensor = fixture.Http("secure-sensor");
        var published = await sensor.PostAsync("/publish?count=40&ratePerSecond=100", null);
        published.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await published.Content.ReadAsStringAsync());
        var ids = body.RootElement.GetProperty("messageIds").EnumerateArray().Select(e => e.GetString()!).ToList();

        var actuator = fixture.Http("secure-actuator");
        var values = new List<double>();
        foreach (var id in ids)
        {
            var decision = await fixture.EventuallyAsync(async () =>
                (await actuator.GetAsync<List<Decision>>($"/decisions?messageId={id}"))?.FirstOrDefault(),
                TimeSpan.FromSeconds(30), $"decision for {id}");
            Assert.Equal("applied", decision.Verdict);
            values.Add(decision.Value!.Value);
        }

        await Task.Delay(500);
        var readings = monitor.Messages.Where(c => c.Topic.StartsWith("smarthome/readings/", StringComparison.Ordinal)).ToList();
        Assert.True(readings.Count >= ids.Count, $"the monitor saw {readings.Count} sealed readings");
        foreach (var (_, payload) in readings)
        {
            var text = Encoding.Latin1.GetString(payload);
            // Neither the JSON structure nor a message id of what the actuator applied appears in the bytes.
            Assert.DoesNotContain("messageId", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("sentAtMicros", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(ids, id => text.Contains(id, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Ten_thousand_legit_readings_are_applied_with_zero_false_rejections()
    {
        await fixture.WaitHealthyAsync("secure-broker", "secure-actuator", "secure-sensor");
        var actuator = fixture.Http("secure-actuator");
        var before = await actuator.GetAsync<JsonElement>("/decisions/summary");
        var rejectedBefore = before.GetProperty("rejected").GetInt64();
        var sensor = fixture.Http("secure-sensor");
        sensor.Timeout = TimeSpan.FromMinutes(5);
        var published = await sensor.PostAsync("/publish?count=10000", null);
        published.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await published.Content.ReadAsStringAsync());
        var ids = body.RootElement.GetProperty("messageIds").EnumerateArray().Select(e => e.GetString()!).ToHashSet();
        Assert.Equal(10_000, ids.Count);

        var appliedIds = new HashSet<string>();
        long after = before.GetProperty("total").GetInt64();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (appliedIds.Count < ids.Count && DateTime.UtcNow < deadline)
        {
            var page = await actuator.GetAsync<List<Decision>>($"/decisions?after={after}&limit=5000");
            if (page is null || page.Count == 0)
            {
                await Task.Delay(250);
                continue;
            }

            after = page[^1].Seq;
            foreach (var d in page.Where(d => d.MessageId is not null && ids.Contains(d.MessageId) && d.Verdict == "applied"))
            {
                appliedIds.Add(d.MessageId!);
            }
        }

        var rejectedAfter = (await actuator.GetAsync<JsonElement>("/decisions/summary")).GetProperty("rejected").GetInt64();
        Assert.Equal(0, rejectedAfter - rejectedBefore);
        Assert.True(ids.Count == appliedIds.Count, $"{appliedIds.Count} of {ids.Count} readings applied within 2 minutes\n" +
            (appliedIds.Count == ids.Count ? string.Empty : await fixture.DescribeResourcesAsync("secure-actuator", "secure-sensor", "secure-broker")));
    }

    /// <summary>The CONNACK code, or null when the client library reports the refusal as an exception.</summary>
    private async Task<MqttClientConnectResultCode?> ConnectAsync(string broker, string? user, string? password)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var result = await client.ConnectAsync(MqttTestClient.Options(broker, user, password, CaFile));
            return result.ResultCode;
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException)
        {
            return null;
        }
    }
}
