using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Protocol;

namespace SmartHome.IntegrationTests;

/// <summary>A plain MQTTnet client for tests that act as a third party on a broker.</summary>
public static class MqttTestClient
{
    public const string AttemptIdProperty = "smarthome-attempt-id";

    public static MqttClientOptions Options(string connectionString, string? username = null, string? password = null, string? caFile = null)
    {
        var uri = new Uri(connectionString);
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(uri.Host, uri.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId("test-" + Guid.NewGuid().ToString("N")[..12])
            .WithTimeout(TimeSpan.FromSeconds(5));
        if (username is not null)
        {
            builder.WithCredentials(username, password);
        }

        if (uri.Scheme == "mqtts")
        {
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls().WithTargetHost(uri.Host);
                if (caFile is not null)
                {
                    tls.WithTrustChain(new X509Certificate2Collection(X509CertificateLoader.LoadCertificateFromFile(caFile)));
                }
            });
        }

        return builder.Build();
    }

    public static async Task PublishAsync(string connectionString, string topic, byte[] payload, string? attemptId = null,
        string? username = null, string? password = null, string? caFile = null, params (string Name, string Value)[] userProperties)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(Options(connectionString, username, password, caFile));
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
        if (attemptId is not null)
        {
            message.WithUserProperty(AttemptIdProperty, System.Text.Encoding.UTF8.GetBytes(attemptId).AsMemory());
        }

        foreach (var (name, value) in userProperties)
        {
            message.WithUserProperty(name, System.Text.Encoding.UTF8.GetBytes(value).AsMemory());
        }

        await client.PublishAsync(message.Build());
        await client.DisconnectAsync();
    }
}

/// <summary>A connected third-party client that keeps every message it receives on one topic filter.</summary>
public sealed class MqttCapture : IDisposable
{
    private MqttCapture(IMqttClient client) => Client = client;

    public IMqttClient Client { get; }

    public System.Collections.Concurrent.ConcurrentQueue<(string Topic, byte[] Payload)> Messages { get; } = new();

    public static async Task<MqttCapture> StartAsync(MqttClientOptions options, string topicFilter)
    {
        var capture = new MqttCapture(new MqttClientFactory().CreateMqttClient());
        capture.Client.ApplicationMessageReceivedAsync += e =>
        {
            capture.Messages.Enqueue((e.ApplicationMessage.Topic, System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload)));
            return Task.CompletedTask;
        };
        await capture.Client.ConnectAsync(options);
        await capture.Client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topicFilter).Build());
        return capture;
    }

    /// <summary>The first message received, once there is one; <paramref name="describe"/> says what the app was doing if none comes.</summary>
    public async Task<(string Topic, byte[] Payload)> FirstAsync(TimeSpan within, Func<Task<string>>? describe = null)
    {
        await SmartHomeAppFixture.PollAsync(() => Task.FromResult(Messages.IsEmpty ? null : "x"), within, "a captured message", describe);
        return Messages.First();
    }

    public void Dispose() => Client.Dispose();
}
