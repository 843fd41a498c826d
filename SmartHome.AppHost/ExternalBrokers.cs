using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MQTTnet;

namespace SmartHome.AppHost;

/// <summary>
/// One pipeline's broker in <c>Broker:Mode=external</c>: a broker the AppHost does not start (a cluster, a Raspberry Pi,
/// a managed service), given per pipeline as
/// <list type="bullet">
/// <item><c>ConnectionStrings:{pipeline}-broker</c> — the URI, <c>mqtt://host:port</c> or <c>mqtts://host:port</c>;</item>
/// <item><c>Broker:External:{Pipeline}:Username</c> and the secret parameter <c>{pipeline}-broker-password</c>
/// (<c>Parameters:{pipeline}-broker-password</c>) — the AppHost's own login for the health check and the audit; on the
/// insecure pipeline also the login of its services when given;</item>
/// <item><c>Broker:External:{Pipeline}:CaFile</c> — the CA the broker's certificate chains to (mqtts).</item>
/// </list>
/// The secure pipeline's services keep their own accounts (keys/private/&lt;account&gt;/broker.password): the broker must
/// have those accounts, passwords (keys/private/broker/mosquitto.passwd) and the ACL (written to the run folder).
/// </summary>
public sealed class ExternalBrokerResource(string name, string uri, bool useTls, string? caFile) : Resource(name), IMosquittoBroker
{
    public string Uri { get; } = uri;

    public string? CaFile { get; } = caFile;

    public bool UseTls { get; } = useTls;

    /// <summary>Never allocated: the AppHost runs no listener for an external broker.</summary>
    public EndpointReference Endpoint => new(this, "mqtt");

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create($"{Uri}");
}

/// <summary>What one pipeline needs to reach its external broker (validated by <see cref="ExternalBrokers.Read"/>).</summary>
public sealed record ExternalBrokerSettings(string Uri, string Host, int Port, bool UseTls, string? Username, string? CaFile);

public static class ExternalBrokers
{
    public const string Mode = "external";

    /// <summary>The pipeline's external broker from configuration, or a one-sentence problem.</summary>
    public static (ExternalBrokerSettings? Settings, string? Error) Read(IConfiguration configuration, string pipeline)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var key = $"ConnectionStrings:{pipeline}-broker";
        var uriText = configuration[key];
        var section = $"Broker:External:{char.ToUpperInvariant(pipeline[0])}{pipeline[1..]}";
        if (string.IsNullOrWhiteSpace(uriText) || !System.Uri.TryCreate(uriText, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("mqtt" or "mqtts") || uri.Port <= 0 || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return (null, $"Broker:Mode=external needs {key} = mqtt://host:port or mqtts://host:port (no credentials in it; " +
                          $"the login is {section}:Username and the secret parameter Parameters:{pipeline}-broker-password).");
        }

        var tls = uri.Scheme == "mqtts";
        if (pipeline == "secure" && !tls)
        {
            return (null, $"{key} must be mqtts://: the secure pipeline's broker demands TLS.");
        }

        var ca = configuration[$"{section}:CaFile"] is { Length: > 0 } caFile ? Path.GetFullPath(caFile) : null;
        if (ca is not null && !File.Exists(ca))
        {
            return (null, $"{section}:CaFile '{ca}' does not exist.");
        }

        return (new ExternalBrokerSettings(uriText.TrimEnd('/'), uri.Host, uri.Port, tls, configuration[$"{section}:Username"] is { Length: > 0 } u ? u : null, ca), null);
    }

    /// <summary>
    /// Adds the pipeline's external broker: no process, a "Running" state so clients' WaitFor holds until the health check
    /// (an MQTT 5 connect with the AppHost's login) passes.
    /// </summary>
    public static IResourceBuilder<IMosquittoBroker> AddExternalBroker(this IDistributedApplicationBuilder builder, string pipeline,
        ExternalBrokerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        var name = $"{pipeline}-broker";
        var password = settings.Username is null ? null : builder.AddParameter($"{pipeline}-broker-password", secret: true);
        var healthKey = $"{name}-external";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthKey,
            _ => new ExternalBrokerHealthCheck(settings, () => password?.Resource.GetValueAsync(default).AsTask()), failureStatus: null, tags: null));
        var broker = builder.AddResource<IMosquittoBroker>(new ExternalBrokerResource(name, settings.Uri, settings.UseTls, settings.CaFile))
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "ExternalBroker",
                State = KnownResourceStates.NotStarted,
                Properties = [new ResourcePropertySnapshot("broker.uri", settings.Uri)],
            })
            .WithHealthCheck(healthKey);
        builder.Eventing.Subscribe<BeforeStartEvent>((evt, _) =>
        {
            var notifications = evt.Services.GetRequiredService<ResourceNotificationService>();
            return notifications.PublishUpdateAsync(broker.Resource, s => s with { State = KnownResourceStates.Running, StartTimeStamp = DateTime.UtcNow });
        });
        return broker;
    }

    /// <summary>The insecure pipeline's services log in with the pipeline's login when one is given.</summary>
    public static IResourceBuilder<ProjectResource> WithExternalLogin(this IResourceBuilder<ProjectResource> service, IDistributedApplicationBuilder builder,
        string pipeline, ExternalBrokerSettings? settings)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(builder);
        if (settings is null)
        {
            return service;
        }

        if (settings.UseTls)
        {
            // The external broker's CA replaces the lab's; none given: the system's trust store (an empty value).
            service.WithEnvironment("Broker__CaCertificate", settings.CaFile ?? string.Empty);
        }

        if (settings.Username is null || pipeline == "secure")
        {
            return service;
        }

        var password = builder.Resources.OfType<ParameterResource>().Single(p => p.Name == $"{pipeline}-broker-password");
        return service.WithEnvironment("Broker__Authenticate", "true")
            .WithEnvironment("Broker__Username", settings.Username)
            .WithEnvironment("Broker__Password", password);
    }
}

/// <summary>Healthy when an MQTT 5 client reaches the external broker (TLS with its CA, the AppHost's login where given).</summary>
internal sealed class ExternalBrokerHealthCheck(ExternalBrokerSettings settings, Func<Task<string?>?> password) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(settings.Host, settings.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId($"aspire-health-{Guid.NewGuid():N}")
            .WithTimeout(TimeSpan.FromSeconds(3));
        if (settings.Username is not null && password() is { } pending)
        {
            builder.WithCredentials(settings.Username, await pending.ConfigureAwait(false));
        }

        X509Certificate2Collection? trust = null;
        if (settings.UseTls)
        {
            if (settings.CaFile is not null)
            {
                trust = [];
                trust.ImportFromPemFile(settings.CaFile);
            }

            builder.WithTlsOptions(tls =>
            {
                tls.UseTls().WithTargetHost(settings.Host);
                if (trust is not null)
                {
                    tls.WithTrustChain(trust);
                }
            });
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(4));
            var result = await client.ConnectAsync(builder.Build(), timeout.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                return HealthCheckResult.Unhealthy($"{settings.Uri} refused the AppHost's login: {result.ResultCode}");
            }

            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"MQTT connect to {settings.Uri} failed: {ex.GetBaseException().Message}");
        }
        finally
        {
            if (trust is not null)
            {
                foreach (var certificate in trust)
                {
                    certificate.Dispose();
                }
            }
        }
    }
}
