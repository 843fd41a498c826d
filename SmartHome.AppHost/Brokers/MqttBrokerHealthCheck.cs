using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MQTTnet;

namespace SmartHome.AppHost.Brokers;

/// <summary>
/// Healthy when an MQTT 5 client can connect (with TLS and the health account where the broker requires them).
/// The client options are built once, at the first check that finds the broker's files: KeyGen may write the health
/// account's password and the CA after the model is built, and they do not change while the app runs.
/// </summary>
public sealed class MqttBrokerHealthCheck(MosquittoSettings settings) : IHealthCheck
{
    private readonly MqttClientFactory _factory = new();
    private MqttClientOptions? _options;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        MqttClientOptions options;
        try
        {
            options = _options ??= BuildOptions();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            return HealthCheckResult.Unhealthy($"the health check cannot read the broker's files yet: {ex.Message}");
        }

        using var client = _factory.CreateMqttClient();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(4));
            var result = await client.ConnectAsync(options, timeout.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return HealthCheckResult.Unhealthy($"broker refused the health account: {result.ResultCode}");
            }

            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"MQTT connect to 127.0.0.1:{settings.Port} failed: {ex.GetBaseException().Message}");
        }
    }

    private MqttClientOptions BuildOptions()
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", settings.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId($"aspire-health-{Guid.NewGuid():N}")
            .WithTimeout(TimeSpan.FromSeconds(3));
        if (settings.HealthAccount is { } healthAccount)
        {
            var account = healthAccount();
            builder.WithCredentials(account.Username, account.Password);
        }

        if (settings.Tls is { } tls)
        {
            // Kept for the app's life inside the options: the trust chain of every check.
            var ca = X509CertificateLoader.LoadCertificateFromFile(tls.CaFile);
            builder.WithTlsOptions(o => o.UseTls().WithTargetHost("localhost").WithTrustChain(new X509Certificate2Collection(ca)));
        }

        return builder.Build();
    }
}
