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
