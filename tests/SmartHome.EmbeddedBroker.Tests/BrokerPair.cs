using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmartHome.Security;

namespace SmartHome.EmbeddedBroker.Tests;

/// <summary>One broker under test: a name for messages, its loopback port and whether it speaks TLS.</summary>
public sealed record BrokerTarget(string Name, int Port, bool Tls);

/// <summary>
/// The host's Mosquitto (where installed) and the embedded broker, each started twice from the same generated-style
/// files: a secure listener (TLS, password file from <see cref="BrokerPasswords"/>, the AppHost's ACL
/// <see cref="BrokerAcl.For(IEnumerable{string}, IEnumerable{string})"/>, use_username_as_clientid, max_packet_size) and an insecure anonymous one.
/// </summary>
public sealed class BrokerPair : IAsyncLifetime
{
    public static readonly string[] Devices = ["temp-living", "door-front", "smoke-kitchen", "plug-garage"];

    public static readonly string[] FleetDevices = ["fleet-0001", "fleet-0002"];

    /// <summary>A test instrument, not a product account: reads and writes everything ($SYS included), so every right is observable.</summary>
    public const string Observer = "observer";

    public static readonly string[] Accounts = [.. Devices, "actuator", "monitor", "health", "auditor", "fleet", Observer];

    /// <summary>The product's ACL for these devices, plus the observer's block (which changes no other account's rights).</summary>
    public static string Acl =>
        BrokerAcl.For(Devices, FleetDevices) +
        $"\n# Test instrument only.\nuser {Observer}\ntopic readwrite #\ntopic readwrite $SYS/#\n";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "smarthome-eb-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<MosquittoProcess> _mosquittos = [];
    private readonly List<EmbeddedMqttBroker> _embedded = [];
    private readonly StringWriter _embeddedLog = new();

    public Dictionary<string, string> Passwords { get; } = Accounts.ToDictionary(a => a, _ => BrokerPasswords.NewPassword(), StringComparer.Ordinal);

    public string CaFile => Path.Combine(_directory, "ca.crt.pem");

    public BrokerTarget MosquittoSecure { get; private set; } = null!;

    public BrokerTarget EmbeddedSecure { get; private set; } = null!;

    public BrokerTarget MosquittoInsecure { get; private set; } = null!;

    public BrokerTarget EmbeddedInsecure { get; private set; } = null!;

    public string EmbeddedLog
    {
        get
        {
            lock (_embeddedLog)
            {
                return _embeddedLog.ToString();
            }
        }
    }

    /// <summary>The host's mosquitto, or null: then only the embedded brokers start and the Mosquitto tests are skipped ([ToolFact("mosquitto")]).</summary>
    public static string? MosquittoExecutable { get; } = HostTools.Find("mosquitto");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        BrokerPasswords.WriteMosquittoFile(Path.Combine(_directory, "passwd"), Passwords);
        await File.WriteAllTextAsync(Path.Combine(_directory, "acl"), Acl);
        WriteCertificates();

        MosquittoSecure = new BrokerTarget("mosquitto", MosquittoProcess.FreePort(), Tls: true);
        EmbeddedSecure = new BrokerTarget("embedded", MosquittoProcess.FreePort(), Tls: true);
        MosquittoInsecure = new BrokerTarget("mosquitto", MosquittoProcess.FreePort(), Tls: false);
        EmbeddedInsecure = new BrokerTarget("embedded", MosquittoProcess.FreePort(), Tls: false);

        if (MosquittoExecutable is not null)
        {
            await StartMosquittoAsync(Config(MosquittoSecure.Port, secure: true), "mosquitto-secure.conf", MosquittoSecure.Port);
            await StartMosquittoAsync(Config(MosquittoInsecure.Port, secure: false), "mosquitto-insecure.conf", MosquittoInsecure.Port);
        }

        _embedded.Add(await EmbeddedMqttBroker.StartAsync(MosquittoConf.Parse(Config(EmbeddedSecure.Port, secure: true).Split('\n')), TextWriter.Synchronized(_embeddedLog)));
        _embedded.Add(await EmbeddedMqttBroker.StartAsync(MosquittoConf.Parse(Config(EmbeddedInsecure.Port, secure: false).Split('\n')), TextWriter.Synchronized(_embeddedLog)));
    }

    /// <summary>The shape of SmartHome.AppHost's MosquittoConfig.Render() (without persistence, which the tests do not need).</summary>
    private string Config(int port, bool secure)
    {
        var lines = new List<string>
        {
            "# Generated for SmartHome.EmbeddedBroker.Tests",
            "log_dest stdout",
            "log_type all",
            "connection_messages true",
            "per_listener_settings false",
            "max_packet_size 65536",
            "max_inflight_messages 1000",
            "max_queued_messages 100000",
            $"user {Environment.UserName}",
            $"listener {port} 127.0.0.1",
        };
        if (secure)
        {
            lines.AddRange(
            [
                "allow_anonymous false",
                $"password_file {Path.Combine(_directory, "passwd")}",
                "use_username_as_clientid true",
                $"acl_file {Path.Combine(_directory, "acl")}",
                $"cafile {CaFile}",
                $"certfile {Path.Combine(_directory, "server.crt.pem")}",
                $"keyfile {Path.Combine(_directory, "server.key.pem")}",
                "tls_version tlsv1.2",
            ]);
        }
        else
        {
            lines.Add("allow_anonymous true");
        }

        return string.Join('\n', lines) + "\n";
    }

    private async Task StartMosquittoAsync(string config, string fileName, int port)
    {
        var path = Path.Combine(_directory, fileName);
        await File.WriteAllTextAsync(path, config);
        _mosquittos.Add(await MosquittoProcess.StartAsync(MosquittoExecutable!, path, port));
    }

    private void WriteCertificates()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=SmartHome test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var server = request.Create(ca, now.AddDays(-1), now.AddMonths(6), RandomNumberGenerator.GetBytes(16));

        File.WriteAllText(CaFile, ca.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(_directory, "server.crt.pem"), server.ExportCertificatePem() + "\n");
        File.WriteAllText(Path.Combine(_directory, "server.key.pem"), serverKey.ExportPkcs8PrivateKeyPem() + "\n");
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

        _embeddedLog.Dispose();
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
