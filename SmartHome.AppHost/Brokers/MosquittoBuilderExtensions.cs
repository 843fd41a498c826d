using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using SmartHome.AppHost.Supervision;

namespace SmartHome.AppHost.Brokers;

/// <summary>
/// How a broker runs: the host's mosquitto binary (default), the eclipse-mosquitto:2 image, or the embedded
/// MQTTnet.Server broker (services/SmartHome.EmbeddedBroker) with the same generated files.
/// </summary>
public enum BrokerMode
{
    Executable,
    Container,
    Embedded,
}

/// <summary>Files that make a broker authenticated: passwords, ACL and (optionally) TLS.</summary>
public sealed record BrokerSecurity(
    string PasswordFile,
    Func<string> AclText,
    Func<BrokerProbe> HealthAccount,
    string? CaFile = null,
    string? CertFile = null,
    string? KeyFile = null);

public static class MosquittoBuilderExtensions
{
    private const string ContainerConfigDirectory = "/mosquitto/config";

    /// <summary>
    /// Adds a Mosquitto broker listening on <paramref name="port"/> (0 = a free port chosen now), configured
    /// from a mosquitto.conf generated into <paramref name="runDirectory"/>, with an MQTT connect health check.
    /// <paramref name="filesProducer"/> (the KeyGen) must finish before the broker's files are staged.
    /// </summary>
    public static IResourceBuilder<IMosquittoBroker> AddMosquittoBroker(this IDistributedApplicationBuilder builder,
        string name, int port, string runDirectory, BrokerMode mode, string? mosquittoPath, BrokerSecurity? security = null,
        IResource? filesProducer = null)
    {
        if (port == 0)
        {
            port = FreeTcpPort();
        }

        var directory = Path.Combine(runDirectory, name);
        Directory.CreateDirectory(directory);
        var inside = mode == BrokerMode.Container ? ContainerConfigDirectory : directory;
        var configPath = Path.Combine(directory, "mosquitto.conf");
        var useTls = security?.CertFile is not null;

        // Key material may not exist yet (KeyGen runs as a resource first), so the broker's files are
        // staged just before each start rather than while the model is built.
        void Stage()
        {
            Directory.CreateDirectory(Path.Combine(directory, "data"));
            string? Copy(string? source, string fileName)
            {
                if (source is null)
                {
                    return null;
                }

                if (!File.Exists(source))
                {
                    throw new FileNotFoundException($"Broker file '{source}' does not exist: run `dotnet run --project services/SmartHome.KeyGen`.", source);
                }

                File.Copy(source, Path.Combine(directory, fileName), overwrite: true);
                return Path.Combine(inside, fileName);
            }

            if (security is not null)
            {
                File.WriteAllText(Path.Combine(directory, "acl"), security.AclText());
            }

            var config = new MosquittoConfig
            {
                Port = mode == BrokerMode.Container ? 1883 : port,
                BindAddress = mode == BrokerMode.Container ? "0.0.0.0" : "127.0.0.1",
                PersistenceDirectory = Path.Combine(inside, "data"),
                PasswordFile = Copy(security?.PasswordFile, "passwd"),
                AclFile = security is null ? null : Path.Combine(inside, "acl"),
                CaFile = Copy(security?.CaFile, "ca.crt.pem"),
                CertFile = Copy(security?.CertFile, "server.crt.pem"),
                KeyFile = Copy(security?.KeyFile, "server.key.pem"),
            };
            File.WriteAllText(configPath, config.Render());
            GrantBrokerAccess(directory);
        }

        Func<BrokerProbe> probe = security is null ? () => new BrokerProbe(port) : () => security.HealthAccount() with { Port = port };
        var healthKey = $"{name}-mqtt";
        builder.Services.AddHealthChecks().Add(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckRegistration(
            healthKey, _ => new MqttBrokerHealthCheck(probe), failureStatus: null, tags: null));

        IResourceBuilder<IMosquittoBroker> broker;
        if (mode == BrokerMode.Container)
        {
            var container = builder.AddResource(new MosquittoContainerResource(name, useTls))
                .WithImage("eclipse-mosquitto", "2")
                .WithBindMount(directory, ContainerConfigDirectory)
                .WithArgs("mosquitto", "-c", Path.Combine(ContainerConfigDirectory, "mosquitto.conf"))
                .WithEndpoint(port: port, targetPort: 1883, name: MosquittoBroker.EndpointName, scheme: "tcp", isProxied: false)
                .WithHealthCheck(healthKey);
            broker = container;
        }
        else if (mode == BrokerMode.Embedded)
        {
            // Dies with DCP even when nobody stops it (AppHost and DCP killed): see ParentDeathSignal.
            var (command, args) = ParentDeathSignal.Wrap(EmbeddedBrokerResource.DotnetHost, [EmbeddedBrokerResource.LocateAssembly(), "-c", configPath]);
            broker = builder.AddResource(new EmbeddedBrokerResource(name, command, directory, useTls))
                .WithArgs(args)
                .WithEndpoint(port: port, targetPort: port, name: MosquittoBroker.EndpointName, scheme: "tcp", isProxied: false)
                .WithHealthCheck(healthKey);
        }
        else
        {
            var executable = mosquittoPath ?? throw new InvalidOperationException(MosquittoLocator.InstallHint);
            // Dies with DCP even when nobody stops it (AppHost and DCP killed); as root, setpriv drops to the user mosquitto
            // itself, because Mosquitto's own drop would clear the parent-death signal (see ParentDeathSignal).
            var (command, args) = ParentDeathSignal.Wrap(executable, ["-c", configPath], dropToUser: "mosquitto");
            broker = builder.AddResource(new MosquittoResource(name, command, directory, useTls))
                .WithArgs(args)
                // Proxy-less: clients (and mosquitto_sub) reach the real broker on the fixed port.
                .WithEndpoint(port: port, targetPort: port, name: MosquittoBroker.EndpointName, scheme: "tcp", isProxied: false)
                .WithHealthCheck(healthKey);
        }

        builder.Eventing.Subscribe<BeforeResourceStartedEvent>(broker.Resource, async (evt, ct) =>
        {
            if (filesProducer is not null)
            {
                // This event can fire before Aspire's own WaitForCompletion; the files must exist before staging.
                var notifications = evt.Services.GetRequiredService<ResourceNotificationService>();
                var done = await notifications.WaitForResourceAsync(filesProducer.Name,
                    e => e.Snapshot.ExitCode is not null || KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), ct).ConfigureAwait(false);
                if (done.Snapshot.ExitCode is not (null or 0))
                {
                    throw new InvalidOperationException($"{filesProducer.Name} failed (exit code {done.Snapshot.ExitCode}); see its console log.");
                }
            }

            Stage();
        });
        if (filesProducer is not null)
        {
            broker.WaitForCompletion(builder.CreateResourceBuilder(filesProducer));
        }

        return broker;
    }

    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Mosquitto started as root drops to the user 'mosquitto', which must be able to read its
    /// config, passwords and TLS key and write its persistence directory.
    /// </summary>
    private static void GrantBrokerAccess(string directory)
    {
        if (OperatingSystem.IsWindows() || Environment.UserName != "root" || !File.Exists("/etc/passwd")
            || !File.ReadLines("/etc/passwd").Any(l => l.StartsWith("mosquitto:", StringComparison.Ordinal)))
        {
            return;
        }

        using var chown = Process.Start(new ProcessStartInfo("chown", ["-R", "mosquitto:", directory])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        });
        chown?.WaitForExit(5000);
    }
}
