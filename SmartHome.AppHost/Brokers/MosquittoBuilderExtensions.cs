using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SmartHome.AppHost.Supervision;

namespace SmartHome.AppHost.Brokers;

/// <summary>
/// Adds an MQTT broker the AppHost starts: the host's Mosquitto (<see cref="AddMosquitto"/>), the embedded MQTTnet broker
/// (<see cref="AddEmbeddedMosquitto"/>) or the eclipse-mosquitto:2 image (<see cref="AddMosquittoContainer"/>). All three run
/// the same generated mosquitto.conf; anonymous and plaintext until <see cref="WithPasswordFile{T}"/>, <see cref="WithAcl{T}"/>
/// and <see cref="WithTls{T}"/> say otherwise. Each gets one <c>mqtt</c> endpoint and an MQTT-connect health check.
/// </summary>
public static class MosquittoBuilderExtensions
{
    private const string MosquittoUser = "mosquitto";

    /// <summary>Adds the host's Mosquitto listening on <paramref name="port"/> (null or 0: a free port chosen now).</summary>
    /// <param name="executablePath">The mosquitto binary; null looks for it on PATH and in the usual sbin folders.</param>
    public static IResourceBuilder<MosquittoResource> AddMosquitto(this IDistributedApplicationBuilder builder,
        [ResourceName] string name, int? port = null, string? executablePath = null)
    {
        var settings = NewSettings(builder, name, port);
        var executable = MosquittoLocator.Find(executablePath)
            ?? throw new InvalidOperationException(executablePath is null ? MosquittoLocator.InstallHint : $"'{executablePath}' does not exist.");
        // Dies with DCP even when nobody stops it (AppHost and DCP killed); as root, setpriv drops to the user mosquitto itself,
        // because Mosquitto's own drop would clear the parent-death signal (see ParentDeathSignal).
        var (command, prefix) = ParentDeathSignal.Wrap(executable, [], dropToUser: MosquittoUser);
        return builder.AddResource(new MosquittoResource(name, command, settings))
            .WithArgs(context => AddBrokerArgs(context, prefix, settings))
            .WithBrokerDefaults();
    }

    /// <summary>Adds the embedded MQTTnet broker (services/apps/SmartHome.EmbeddedBroker), for machines without Mosquitto.</summary>
    public static IResourceBuilder<EmbeddedBrokerResource> AddEmbeddedMosquitto(this IDistributedApplicationBuilder builder,
        [ResourceName] string name, int? port = null)
    {
        var settings = NewSettings(builder, name, port);
        // Dies with DCP even when nobody stops it (AppHost and DCP killed): see ParentDeathSignal.
        var (command, prefix) = ParentDeathSignal.Wrap(EmbeddedBrokerResource.DotnetHost, [EmbeddedBrokerResource.LocateAssembly()]);
        return builder.AddResource(new EmbeddedBrokerResource(name, command, settings))
            .WithArgs(context => AddBrokerArgs(context, prefix, settings))
            .WithBrokerDefaults();
    }

    /// <summary>Adds the eclipse-mosquitto:2 image, for hosts with a container engine.</summary>
    public static IResourceBuilder<MosquittoContainerResource> AddMosquittoContainer(this IDistributedApplicationBuilder builder,
        [ResourceName] string name, int? port = null)
    {
        var settings = NewSettings(builder, name, port);
        return builder.AddResource(new MosquittoContainerResource(name, settings))
            .WithImage("eclipse-mosquitto", "2")
            .WithBindMount(settings.Directory, MosquittoContainerResource.ConfigDirectory)
            .WithArgs("mosquitto", "-c", $"{MosquittoContainerResource.ConfigDirectory}/mosquitto.conf")
            .WithBrokerDefaults(targetPort: MosquittoContainerResource.ContainerPort);
    }

    /// <summary>
    /// The broker's own folder (default: a folder of its own under the temp directory): its generated mosquitto.conf,
    /// copies of its password, ACL and TLS files, and its persistence store under data/.
    /// </summary>
    public static IResourceBuilder<T> WithDataDirectory<T>(this IResourceBuilder<T> broker, string directory)
        where T : IHostedMosquittoBroker
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var fullPath = Path.GetFullPath(directory, broker.ApplicationBuilder.AppHostDirectory);
        broker.Resource.Settings.Directory = fullPath;
        switch (broker.Resource)
        {
            case ExecutableResource executable:
                broker.ApplicationBuilder.CreateResourceBuilder(executable).WithWorkingDirectory(fullPath);
                break;
            case ContainerResource:
                broker.WithAnnotation(new ContainerMountAnnotation(fullPath, MosquittoContainerResource.ConfigDirectory,
                    ContainerMountType.BindMount, isReadOnly: false), ResourceAnnotationMutationBehavior.Replace);
                break;
        }

        return broker;
    }

    /// <summary>
    /// Only the accounts in <paramref name="passwordFile"/> (mosquitto_passwd format) may connect, and each connection's client
    /// id is its username. The AppHost's health check then connects as <paramref name="healthAccount"/>, read at the first check.
    /// </summary>
    public static IResourceBuilder<T> WithPasswordFile<T>(this IResourceBuilder<T> broker, string passwordFile, Func<BrokerAccount> healthAccount)
        where T : IHostedMosquittoBroker
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentException.ThrowIfNullOrWhiteSpace(passwordFile);
        ArgumentNullException.ThrowIfNull(healthAccount);
        broker.Resource.Settings.PasswordFile = passwordFile;
        broker.Resource.Settings.HealthAccount = healthAccount;
        return broker;
    }

    /// <summary>Topic rights per account (mosquitto ACL format), rendered at each start.</summary>
    public static IResourceBuilder<T> WithAcl<T>(this IResourceBuilder<T> broker, Func<string> aclText)
        where T : IHostedMosquittoBroker
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(aclText);
        broker.Resource.Settings.AclText = aclText;
        return broker;
    }

    /// <summary>The listener speaks TLS 1.2+ with this certificate; clients (and the health check) trust <paramref name="caFile"/>.</summary>
    public static IResourceBuilder<T> WithTls<T>(this IResourceBuilder<T> broker, string caFile, string certFile, string keyFile)
        where T : IHostedMosquittoBroker
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentException.ThrowIfNullOrWhiteSpace(caFile);
        ArgumentException.ThrowIfNullOrWhiteSpace(certFile);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyFile);
        broker.Resource.Settings.Tls = new BrokerTlsFiles(caFile, certFile, keyFile);
        return broker;
    }

    /// <summary>The broker's files come from <paramref name="producer"/> (KeyGen): it starts only after that resource completed.</summary>
    public static IResourceBuilder<T> WithFilesFrom<T>(this IResourceBuilder<T> broker, IResourceBuilder<IResource> producer)
        where T : IHostedMosquittoBroker
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(producer);
        broker.Resource.Settings.FilesProducer = producer.Resource;
        return broker.WaitForCompletion(producer);
    }

    /// <summary>A free loopback TCP port, for listeners that must have their port before they start.</summary>
    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static MosquittoSettings NewSettings(IDistributedApplicationBuilder builder, string name, int? port)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (port is < 0 or > IPEndPoint.MaxPort)
        {
            throw new ArgumentOutOfRangeException(nameof(port), port, "A TCP port is 0-65535 (0 or null: a free port chosen now).");
        }

        var directory = Path.Combine(Path.GetTempPath(), "aspire-mosquitto", $"{name}-{Environment.ProcessId}");
        return new MosquittoSettings(port is null or 0 ? FreeTcpPort() : port.Value, directory);
    }

    private static void AddBrokerArgs(CommandLineArgsCallbackContext context, string[] prefix, MosquittoSettings settings)
    {
        foreach (var arg in prefix)
        {
            context.Args.Add(arg);
        }

        context.Args.Add("-c");
        context.Args.Add(settings.ConfigFile);
    }

    /// <summary>The endpoint, health check and start-time staging every hosted broker shares.</summary>
    private static IResourceBuilder<T> WithBrokerDefaults<T>(this IResourceBuilder<T> broker, int? targetPort = null)
        where T : IHostedMosquittoBroker
    {
        var builder = broker.ApplicationBuilder;
        var resource = broker.Resource;
        var healthKey = $"{resource.Name}-mqtt";
        // One instance for the app's life: it builds its client options once, at the first check that finds the files.
        var healthCheck = new MqttBrokerHealthCheck(resource.Settings);
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthKey, _ => healthCheck, failureStatus: null, tags: null));

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(resource, async (evt, ct) =>
        {
            if (resource.Settings.FilesProducer is { } producer)
            {
                // This event can fire before Aspire's own WaitForCompletion; the files must exist before staging.
                var notifications = evt.Services.GetRequiredService<ResourceNotificationService>();
                var done = await notifications.WaitForResourceAsync(producer.Name,
                    e => e.Snapshot.ExitCode is not null || KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), ct).ConfigureAwait(false);
                if (done.Snapshot.ExitCode is not (null or 0))
                {
                    throw new InvalidOperationException($"{producer.Name} failed (exit code {done.Snapshot.ExitCode}); see its console log.");
                }
            }

            BrokerFileStager.Stage(resource);
        });

        // Proxy-less: clients (and mosquitto_sub) reach the real broker on the fixed port.
        return broker
            .WithEndpoint(port: resource.Settings.Port, targetPort: targetPort ?? resource.Settings.Port, name: MosquittoEndpoint.Name,
                scheme: "tcp", isProxied: false)
            .WithHealthCheck(healthKey);
    }
}
