using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MQTTnet;

namespace SmartHome.AppHost.Brokers;

/// <summary>Healthy when an MQTT 5 client can connect (with TLS and the health account where required).</summary>
public sealed class MqttBrokerHealthCheck(Func<BrokerProbe> probe) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var target = probe();
        using var client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", target.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId($"aspire-health-{Guid.NewGuid():N}")
            .WithTimeout(TimeSpan.FromSeconds(3));
        if (target.Username is not null)
        {
            builder.WithCredentials(target.Username, target.Password);
        }

        X509Certificate2? ca = null;
        if (target.CaFile is not null)
        {
            ca = X509CertificateLoader.LoadCertificateFromFile(target.CaFile);
            builder.WithTlsOptions(tls => tls.UseTls().WithTargetHost("localhost")
                .WithTrustChain(new X509Certificate2Collection(ca)));
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(4));
            var result = await client.ConnectAsync(builder.Build(), timeout.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return HealthCheckResult.Unhealthy($"broker refused the health account: {result.ResultCode}");
            }

            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"MQTT connect to 127.0.0.1:{target.Port} failed: {ex.GetBaseException().Message}");
        }
        finally
        {
            ca?.Dispose();
        }
    }
}

/// <summary>How the health check reaches a broker.</summary>
public sealed record BrokerProbe(int Port, string? Username = null, string? Password = null, string? CaFile = null);
