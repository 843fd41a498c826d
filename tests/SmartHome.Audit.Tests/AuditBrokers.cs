using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SmartHome.AppHost.Brokers;
using SmartHome.EmbeddedBroker;
using SmartHome.Security;

namespace SmartHome.Audit.Tests;

/// <summary>Which configuration a fixture broker runs.</summary>
public enum BrokerKind
{
    /// <summary>The lab's insecure broker: the AppHost's MosquittoConfig with no password file (anonymous, no ACL, no TLS).</summary>
    Insecure,

    /// <summary>The lab's secure broker: the AppHost's MosquittoConfig with KeyGen's password file, BrokerAcl and TLS certificate.</summary>
    Secure,

    /// <summary>Configured like the seed: TLS off, allow_anonymous true, a password file, an ACL file on disk that no acl_file line loads.</summary>
    Seed,
}

/// <summary>One running fixture broker.</summary>
public sealed record FixtureBroker(BrokerKind Kind, string Implementation, int Port)
{
    public bool Tls => Kind == BrokerKind.Secure;

    /// <summary>"localhost" for TLS (the certificate's name), the loopback literal otherwise.</summary>
    public string Uri => Tls ? $"mqtts://localhost:{Port}" : $"mqtt://127.0.0.1:{Port}";

    public override string ToString() => $"{Implementation} {Kind}";
}

/// <summary>
/// Three broker configurations, each run by the host's Mosquitto (when installed) and by the embedded broker, on free
/// loopback ports. Every broker gets the same retained reading a device left on smarthome/readings/temp-living, so
/// retained disclosure has something to disclose. Every process started here is killed in <see cref="DisposeAsync"/>.
/// </summary>
public sealed class AuditBrokers : IAsyncLifetime
{
    public const string RetainedTopic = "smarthome/readings/temp-living";
    public const string RetainedPayload = "{\"deviceId\":\"temp-living\",\"value\":21.5}";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "smarthome-audit-tests-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<MosquittoProcess> _mosquittos = [];
    private readonly List<EmbeddedMqttBroker> _embedded = [];
    private readonly Dictionary<(BrokerKind, string), FixtureBroker> _brokers = [];

    public static string? MosquittoExecutable { get; } = HostTools.Find("mosquitto");

    public KeyPaths Keys { get; private set; } = null!;

    public string CaFile => Keys.BrokerCaCertificate;

    public string PasswordFileOf(string account) => Keys.BrokerPassword(account);

    public FixtureBroker Get(BrokerKind kind, string implementation) => _brokers[(kind, implementation)];

    /// <summary>Each broker's audit with the known-answer options, run once per test class and shared by its tests.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<FixtureBroker, Lazy<Task<AuditReport>>> Reports { get; } = new();

    /// <summary>The known-answer options: every check on (both opt-in flags), short bounds; the secure broker as 'auditor' with 'health' second.</summary>
    public AuditOptions KnownAnswerOptions(FixtureBroker broker)
    {
        var options = new AuditOptions
        {
            Broker = BrokerAddress.TryParse(broker.Uri, out _)!,
            AllowCredentialGuessing = true,
            AllowTakeover = true,
            GuessLimit = 10,
            GuessRatePerSecond = 20,
            ListenTime = TimeSpan.FromSeconds(1),
            // Nothing listens there: the lab's secure broker has no plaintext listener (see the test that gives it one).
            PlaintextPort = MosquittoProcess.FreePort(),
        };
        return broker.Kind != BrokerKind.Secure ? options : options with
        {
            CaFile = CaFile,
            Identity = new BrokerIdentity(BrokerAcl.Auditor, BrokerPasswords.ReadPasswordFile(PasswordFileOf(BrokerAcl.Auditor))),
            SecondIdentity = new BrokerIdentity(BrokerAcl.Health, BrokerPasswords.ReadPasswordFile(PasswordFileOf(BrokerAcl.Health))),
        };
    }

    public Task<AuditReport> AuditAsync(FixtureBroker broker) => Reports.GetOrAdd(broker, b => new Lazy<Task<AuditReport>>(() =>
        Auditor.RunAsync(KnownAnswerOptions(b), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, CancellationToken.None))).Value;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        Keys = new KeyPaths(Path.Combine(_directory, "keys"));
        // The KeyGen's own generator: CA, server certificate (localhost, 127.0.0.1), hashed password file, device keys.
        KeyMaterialGenerator.Generate(Keys, new KeyGenOptions { Devices = ["temp-living", "plug-garage"] });
        await File.WriteAllTextAsync(Path.Combine(_directory, "acl"), BrokerAcl.For(Keys));

        foreach (var kind in Enum.GetValues<BrokerKind>())
        {
            if (MosquittoExecutable is not null)
            {
                var port = MosquittoProcess.FreePort();
                var path = Path.Combine(_directory, $"mosquitto-{kind}.conf".ToLowerInvariant());
                await File.WriteAllTextAsync(path, Config(kind, port));
                _mosquittos.Add(await MosquittoProcess.StartAsync(MosquittoExecutable!, path, port));
                _brokers[(kind, "mosquitto")] = new FixtureBroker(kind, "mosquitto", port);
            }

            var embeddedPort = MosquittoProcess.FreePort();
            _embedded.Add(await EmbeddedMqttBroker.StartAsync(MosquittoConf.Parse(Config(kind, embeddedPort).Split('\n')), TextWriter.Null));
            _brokers[(kind, "embedded")] = new FixtureBroker(kind, "embedded", embeddedPort);
        }

        foreach (var broker in _brokers.Values)
        {
            await LeaveRetainedReadingAsync(broker);
        }
    }

    /// <summary>The mosquitto.conf of each kind: the AppHost's generator for the lab's two brokers, the seed's lines for the third.</summary>
    private string Config(BrokerKind kind, int port)
    {
        var text = kind switch
        {
            BrokerKind.Insecure => new MosquittoConfig { Port = port }.Render(),
            BrokerKind.Secure => new MosquittoConfig
            {
                Port = port,
                PasswordFile = Keys.BrokerPasswordFile,
                AclFile = Path.Combine(_directory, "acl"),
                CaFile = Keys.BrokerCaCertificate,
                CertFile = Keys.BrokerServerCertificate,
                KeyFile = Keys.BrokerServerPrivateKey,
            }.Render(),
            // The seed: users with passwords, anonymous still allowed, an ACL written next to the config but never loaded
            // (no acl_file line), no TLS, no packet size limit.
            _ => string.Join('\n',
                "log_dest stdout",
                $"listener {port} 127.0.0.1",
                "allow_anonymous true",
                $"password_file {Keys.BrokerPasswordFile}",
                "# acl file: " + Path.Combine(_directory, "acl") + " (never loaded)") + "\n",
        };

        // Run as the current user: mosquitto started as root would drop to 'mosquitto', which cannot read the 0600 keys.
        return text + $"user {Environment.UserName}\n";
    }

    private async Task LeaveRetainedReadingAsync(FixtureBroker broker)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = Options(broker, broker.Kind == BrokerKind.Secure ? "temp-living" : null, "fixture-device");
        await client.ConnectAsync(options);
        var result = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(RetainedTopic)
            .WithPayload(Encoding.UTF8.GetBytes(RetainedPayload)).WithRetainFlag()
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.True(result.IsSuccess, $"{broker}: the device's retained reading was refused: {result.ReasonCode}");
        await client.DisconnectAsync();
    }

    /// <summary>Client options for a fixture broker: a device or service account of the keys, or anonymous (null).</summary>
    public MqttClientOptions Options(FixtureBroker broker, string? account, string clientId)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", broker.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithTimeout(TimeSpan.FromSeconds(5));
        if (account is not null)
        {
            builder.WithCredentials(account, BrokerPasswords.ReadPasswordFile(Keys.BrokerPassword(account)));
        }

        if (broker.Tls)
        {
            builder.WithTlsOptions(o => o.UseTls().WithTargetHost("localhost").WithTrustChain(
                [System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificateFromFile(CaFile)]));
        }

        return builder.Build();
    }

    public async Task DisposeAsync()
    {
        foreach (var broker in _embedded)
        {
            await broker.DisposeAsync();
        }

        foreach (var mosquitto in _mosquittos)
        {
            await mosquitto.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
