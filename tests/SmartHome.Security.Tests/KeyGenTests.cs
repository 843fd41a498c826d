using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace SmartHome.Security.Tests;

/// <summary>Generates one keys folder per test class (DSA-2048 keygen is slow).</summary>
public sealed class GeneratedKeysFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("shsec-keys-").FullName;
    public KeyPaths Paths { get; }
    public KeyGenReport Report { get; }

    public GeneratedKeysFixture()
    {
        Paths = new KeyPaths(Root);
        Report = KeyMaterialGenerator.Generate(Paths, new KeyGenOptions { Fleet = 2 });
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class KeyGenTests(GeneratedKeysFixture keys, ITestOutputHelper output) : IClassFixture<GeneratedKeysFixture>
{
    private KeyPaths P => keys.Paths;

    private IEnumerable<string> PrivateFiles =>
        [P.ActuatorPrivateKey, P.BrokerCaPrivateKey, P.BrokerServerPrivateKey, P.BrokerPasswordFile,
         .. Accounts.Select(P.BrokerPassword),
         .. KeyMaterialGenerator.DefaultDevices.Select(P.DevicePrivateKey), P.DevicePrivateKey("fleet-0001")];

    private static readonly string[] Accounts =
        ["actuator", "auditor", "door-front", "fleet", "health", "monitor", "plug-garage", "smoke-kitchen", "temp-living"];

    [Fact]
    public void Layout_PemFormats_AndPermissions()
    {
        output.WriteLine($"RSA {keys.Report.RsaKeyGen.TotalMilliseconds:F0} ms; {keys.Report.DeviceKeysGenerated} device DSA keys {keys.Report.DeviceKeyGen.TotalMilliseconds:F0} ms; {keys.Report.FleetKeysGenerated} fleet keys {keys.Report.FleetKeyGen.TotalMilliseconds:F0} ms");
        foreach (string f in PrivateFiles)
        {
            Assert.True(File.Exists(f), f);
            Assert.Equal(KeyFiles.PrivateMode, File.GetUnixFileMode(f));
            // Every secret sits in its identity's own folder under private/, which nobody else may enter.
            Assert.Equal(P.PrivateDirectory, Path.GetDirectoryName(Path.GetDirectoryName(f)));
            Assert.Equal(KeyFiles.PrivateDirectoryMode, File.GetUnixFileMode(Path.GetDirectoryName(f)!));
            if (f.EndsWith(".key.pem", StringComparison.Ordinal))
            {
                Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(f), StringComparison.Ordinal);
            }
        }
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", File.ReadAllText(P.ActuatorPublicKey), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", File.ReadAllText(P.DevicePublicKey("door-front")), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", File.ReadAllText(P.BrokerServerCertificate), StringComparison.Ordinal);
        Assert.Equal(KeyFiles.PublicMode, File.GetUnixFileMode(P.ActuatorPublicKey));
        Assert.Equal(KeyFiles.PrivateDirectoryMode, File.GetUnixFileMode(P.PrivateDirectory));
        // Nothing secret is left among the public files.
        Assert.DoesNotContain(Directory.EnumerateFiles(P.Root, "*", SearchOption.AllDirectories)
                .Where(f => !f.StartsWith(P.PrivateDirectory + "/", StringComparison.Ordinal)),
            f => f.EndsWith(".key.pem", StringComparison.Ordinal) || f.EndsWith("passwd", StringComparison.Ordinal)
                 || f.EndsWith(".password", StringComparison.Ordinal) || f.EndsWith("users.json", StringComparison.Ordinal));
        Assert.Equal(["door-front", "fleet-0001", "fleet-0002", "plug-garage", "smoke-kitchen", "temp-living"], P.ListDeviceIds());

        using var server = X509Certificate2.CreateFromPemFile(P.BrokerServerCertificate, P.BrokerServerPrivateKey);
        Assert.True(server.HasPrivateKey);
        Assert.True(server.MatchesHostname("localhost"));
        var san = server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Equal([IPAddress.Loopback, IPAddress.IPv6Loopback], san.EnumerateIPAddresses());
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(P.BrokerCaCertificate));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(server), string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation)));
    }

    [ToolFact("openssl")]
    public void OpenSsl_ReadsEveryFile()
    {
        string openssl = Tools.Find("openssl")!;
        foreach (string f in PrivateFiles.Where(f => f.EndsWith(".key.pem", StringComparison.Ordinal)))
        {
            var r = Tools.Run(openssl, ["pkey", "-in", f, "-noout"]);
            Assert.True(r.ExitCode == 0, $"{f}: {r.Stderr}");
        }
        foreach (string f in (string[])[P.ActuatorPublicKey, P.DevicePublicKey("temp-living"), P.DevicePublicKey("fleet-0002")])
        {
            var r = Tools.Run(openssl, ["pkey", "-pubin", "-in", f, "-noout", "-text"]);
            Assert.True(r.ExitCode == 0, $"{f}: {r.Stderr}");
            Assert.Contains("2048 bit", r.Stdout, StringComparison.Ordinal);
        }
        // The v2 suites' keys: openssl names the algorithm and derives from each private key exactly the public file.
        foreach (var (pub, priv, algorithm) in ((string, string, string)[])[
            (P.ActuatorAgreementPublicKey, P.ActuatorAgreementPrivateKey, "X25519"),
            (P.ActuatorAckSuitePublicKey, P.ActuatorAckSuitePrivateKey, "ED25519"),
            (P.DeviceSuitePublicKey("temp-living"), P.DeviceSuitePrivateKey("temp-living"), "ED25519"),
            (P.DeviceSuitePublicKey("fleet-0002"), P.DeviceSuitePrivateKey("fleet-0002"), "ED25519")])
        {
            var r = Tools.Run(openssl, ["pkey", "-pubin", "-in", pub, "-noout", "-text"]);
            Assert.True(r.ExitCode == 0, $"{pub}: {r.Stderr}");
            Assert.Contains(algorithm + " Public-Key", r.Stdout, StringComparison.Ordinal);
            var derived = Tools.Run(openssl, ["pkey", "-in", priv, "-pubout"]);
            Assert.Equal(File.ReadAllText(pub).Trim(), derived.Stdout.Trim());
        }
        var v = Tools.Run(openssl, ["verify", "-CAfile", P.BrokerCaCertificate, P.BrokerServerCertificate]);
        Assert.True(v.ExitCode == 0, v.Stdout + v.Stderr);
        var x = Tools.Run(openssl, ["x509", "-in", P.BrokerServerCertificate, "-noout", "-ext", "subjectAltName"]);
        Assert.Contains("DNS:localhost", x.Stdout, StringComparison.Ordinal);
        Assert.Contains("IP Address:127.0.0.1", x.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void KeyStore_AndEachIdentitysFiles_FitTogether()
    {
        using var store = KeyStore.Load(P.Root);
        Assert.Equal(6, store.DevicePublicKeys.Count);
        using var rsa = KeyFiles.LoadRsa(P.ActuatorPrivateKey, requirePrivate: true);
        using var rsaPublic = KeyFiles.LoadRsa(P.ActuatorPublicKey, requirePrivate: false);
        Assert.Equal(rsaPublic.ExportSubjectPublicKeyInfo(), rsa.ExportSubjectPublicKeyInfo());
        using var dsa = KeyFiles.LoadDsa(P.DevicePrivateKey("plug-garage"), requirePrivate: true);
        Assert.Equal(store.GetDevicePublicKey("plug-garage").ExportSubjectPublicKeyInfo(), dsa.ExportSubjectPublicKeyInfo());
        Assert.Equal(Accounts, P.ListBrokerAccounts());
        var users = Accounts.ToDictionary(a => a, a => BrokerPasswords.ReadPasswordFile(P.BrokerPassword(a)));
        Assert.All(users.Values, pw => Assert.Equal(24, pw.Length));
        Assert.Equal(users.Count, users.Values.Distinct().Count());
        string[] lines = File.ReadAllLines(P.BrokerPasswordFile);
        Assert.Equal(users.Count, lines.Length);
        foreach (var (user, pw) in users)
        {
            Assert.True(BrokerPasswords.VerifyMosquittoLine(lines.Single(l => l.StartsWith(user + ":", StringComparison.Ordinal)), user, pw));
        }
        var missing = Assert.Throws<KeyMaterialException>(() => KeyFiles.LoadDsa(P.DevicePrivateKey("nobody"), requirePrivate: true));
        Assert.Equal(P.DevicePrivateKey("nobody"), missing.FilePath);

        using var sender = new EnvelopeSender("plug-garage", dsa, rsaPublic);
        using var rx = new EnvelopeReceiver(rsa, store.DevicePublicKeys, ReplayStore.InMemory());
        SealResult r = sender.Seal("smarthome/readings/plug-garage", [42]);
        Assert.True(rx.Receive(r.Announcement!.Topic, r.Announcement.Message).IsAccepted);
        Assert.Equal([42], rx.Receive("smarthome/readings/plug-garage", r.Message).Plaintext!);
    }

    [Fact]
    public void Rerun_KeepsExistingKeys()
    {
        string before = File.ReadAllText(P.DevicePrivateKey("temp-living")) + File.ReadAllText(P.BrokerPassword("actuator")) + File.ReadAllText(P.BrokerPasswordFile);
        KeyGenReport again = KeyMaterialGenerator.Generate(P, new KeyGenOptions { Fleet = 2 });
        Assert.Empty(again.Created);
        Assert.Equal(before, File.ReadAllText(P.DevicePrivateKey("temp-living")) + File.ReadAllText(P.BrokerPassword("actuator")) + File.ReadAllText(P.BrokerPasswordFile));
    }

    [Fact]
    public void CorruptOrMissingFiles_GiveOneSentenceNamingTheFile()
    {
        string copy = CopyKeys("shsec-corrupt-");
        try
        {
            var cp = new KeyPaths(copy);
            File.WriteAllText(cp.DevicePublicKey("door-front"), "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n");
            var ex = Assert.Throws<KeyMaterialException>(() => KeyStore.Load(copy));
            Assert.Equal(cp.DevicePublicKey("door-front"), ex.FilePath);
            Assert.Throws<KeyMaterialException>(() => KeyMaterialGenerator.Generate(cp, new KeyGenOptions()));

            // The console prints one sentence (no stack trace) and exits 1.
            var run = Tools.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "SmartHome.KeyGen.dll"), "--keys", copy]);
            Assert.Equal(1, run.ExitCode);
            string err = run.Stderr.Trim();
            Assert.Single(err.Split('\n'));
            Assert.Contains(cp.DevicePublicKey("door-front"), err, StringComparison.Ordinal);
            Assert.DoesNotContain(" at ", err, StringComparison.Ordinal);

            File.Delete(cp.ActuatorPrivateKey);
            var missing = Assert.Throws<KeyMaterialException>(() => new KeyStore_Private(copy).Load());
            Assert.Equal(cp.ActuatorPrivateKey, missing.FilePath);
            File.WriteAllText(cp.BrokerPassword("monitor"), "two\nlines\n");
            Assert.Equal(cp.BrokerPassword("monitor"), Assert.Throws<KeyMaterialException>(() => BrokerPasswords.ReadPasswordFile(cp.BrokerPassword("monitor"))).FilePath);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    /// <summary>A copy of the generated keys with the same file and folder modes.</summary>
    private string CopyKeys(string prefix)
    {
        string copy = Directory.CreateTempSubdirectory(prefix).FullName;
        foreach (string d in Directory.GetDirectories(P.Root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            Directory.CreateDirectory(Path.Combine(copy, Path.GetRelativePath(P.Root, d)), File.GetUnixFileMode(d));
        }
        foreach (string f in Directory.GetFiles(P.Root, "*", SearchOption.AllDirectories))
        {
            string dest = Path.Combine(copy, Path.GetRelativePath(P.Root, f));
            File.Copy(f, dest);
            File.SetUnixFileMode(dest, File.GetUnixFileMode(f));
        }
        return copy;
    }

    [Fact]
    public void LoosePermissions_AreRepairedWithOneSentenceEach()
    {
        string copy = CopyKeys("shsec-loose-");
        try
        {
            var cp = new KeyPaths(copy);
            string key = cp.DevicePrivateKey("temp-living");
            string folder = cp.IdentityDirectory("actuator");
            string keyBefore = File.ReadAllText(key);
            File.SetUnixFileMode(key, KeyFiles.PublicMode); // 0644
            File.SetUnixFileMode(folder, KeyFiles.PrivateDirectoryMode | UnixFileMode.GroupRead | UnixFileMode.GroupExecute); // 0750

            var run = Tools.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "SmartHome.KeyGen.dll"), "--keys", copy]);
            output.WriteLine(run.Stderr);
            Assert.Equal(0, run.ExitCode);
            string[] warnings = run.Stderr.Trim().Split('\n');
            Assert.Equal(2, warnings.Length);
            Assert.Contains($"warning: private folder '{folder}' was accessible to group/others (mode 0750); set it to 0700", warnings[0], StringComparison.Ordinal);
            Assert.Contains($"warning: private file '{key}' was accessible to group/others (mode 0644); set it to 0600", warnings[1], StringComparison.Ordinal);
            Assert.Equal(KeyFiles.PrivateMode, File.GetUnixFileMode(key));
            Assert.Equal(KeyFiles.PrivateDirectoryMode, File.GetUnixFileMode(folder));
            // Repaired, not replaced: the key is the same one.
            Assert.Equal(keyBefore, File.ReadAllText(key));

            var again = Tools.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "SmartHome.KeyGen.dll"), "--keys", copy]);
            Assert.Equal(0, again.ExitCode);
            Assert.Equal(string.Empty, again.Stderr.Trim());
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void TheOldLayout_IsMovedIntoIdentityFolders_KeepingEveryKeyAndPassword()
    {
        string copy = CopyKeys("shsec-legacy-");
        try
        {
            var cp = new KeyPaths(copy);
            // Recreate the layout before private/: keys next to the public ones, every password in broker/users.json.
            var passwords = Accounts.ToDictionary(a => a, a => BrokerPasswords.ReadPasswordFile(cp.BrokerPassword(a)));
            string devicesKey = File.ReadAllText(cp.DevicePrivateKey("door-front"));
            File.Move(cp.ActuatorPrivateKey, Path.Combine(cp.ActuatorDirectory, "rsa.key.pem"));
            File.Move(cp.BrokerCaPrivateKey, Path.Combine(cp.BrokerDirectory, "ca.key.pem"));
            File.Move(cp.BrokerServerPrivateKey, Path.Combine(cp.BrokerDirectory, "server.key.pem"));
            File.Move(cp.BrokerPasswordFile, Path.Combine(cp.BrokerDirectory, "mosquitto.passwd"));
            foreach (string id in cp.ListDeviceIds())
            {
                File.Move(cp.DevicePrivateKey(id), Path.Combine(cp.DevicesDirectory, id + ".dsa.key.pem"));
            }
            string users = "{ \"users\": { " + string.Join(", ", passwords.Select(p => $"\"{p.Key}\": \"{p.Value}\"")) + " } }";
            File.WriteAllText(Path.Combine(cp.BrokerDirectory, "users.json"), users);
            Directory.Delete(cp.PrivateDirectory, recursive: true);
            // That layout predates acknowledgements and the v2 suites: no actuator signing pair, no X25519/Ed25519 keys.
            File.Delete(cp.ActuatorSigningPublicKey);
            File.Delete(cp.ActuatorAgreementPublicKey);
            File.Delete(cp.ActuatorAckSuitePublicKey);
            var ids = cp.ListDeviceIds();
            foreach (string id in ids)
            {
                File.Delete(cp.DeviceSuitePublicKey(id));
            }

            KeyGenReport report = KeyMaterialGenerator.Generate(cp, new KeyGenOptions { Fleet = 2 });
            string[] expected = [cp.ActuatorSigningPrivateKey, cp.ActuatorSigningPublicKey, cp.ActuatorAgreementPrivateKey, cp.ActuatorAgreementPublicKey,
                cp.ActuatorAckSuitePrivateKey, cp.ActuatorAckSuitePublicKey,
                .. ids.SelectMany(id => new[] { cp.DeviceSuitePrivateKey(id), cp.DeviceSuitePublicKey(id) })];
            Assert.Equal(expected.Order(StringComparer.Ordinal), report.Created.Order(StringComparer.Ordinal));
            Assert.Empty(report.Repaired);
            Assert.False(File.Exists(Path.Combine(cp.BrokerDirectory, "users.json")));
            Assert.Equal(devicesKey, File.ReadAllText(cp.DevicePrivateKey("door-front")));
            Assert.All(passwords, p => Assert.Equal(p.Value, BrokerPasswords.ReadPasswordFile(cp.BrokerPassword(p.Key))));
            Assert.Empty(Directory.EnumerateFiles(cp.DevicesDirectory, "*.key.pem"));
            Assert.Equal(KeyFiles.PrivateDirectoryMode, File.GetUnixFileMode(cp.IdentityDirectory("door-front")));
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void ADevice_CannotTakeAServiceIdentitysName()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            KeyMaterialGenerator.Generate(new KeyPaths(Path.Combine(Path.GetTempPath(), "shsec-never-" + Guid.NewGuid().ToString("N"))),
                new KeyGenOptions { Devices = ["monitor"] }));
        Assert.Contains("'monitor'", ex.Message, StringComparison.Ordinal);
    }

    private sealed class KeyStore_Private(string root)
    {
        public void Load() => KeyFiles.LoadRsa(new KeyPaths(root).ActuatorPrivateKey, requirePrivate: true).Dispose();
    }

    [GeneratedRegex(@"^[a-z0-9.-]+:\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$")]
    private static partial Regex MosquittoLineFormat();

    [ToolFact("mosquitto_passwd")]
    public void PasswordLines_MatchMosquittoPasswd()
    {
        string dir = Directory.CreateTempSubdirectory("shsec-mp-").FullName;
        try
        {
            string file = Path.Combine(dir, "p");
            var r = Tools.Run(Tools.Find("mosquitto_passwd")!, ["-b", "-c", file, "alice", "correct horse"]);
            Assert.True(r.ExitCode == 0, r.Stderr);
            string theirs = File.ReadAllText(file).Trim();
            string ours = BrokerPasswords.MosquittoLine("alice", "correct horse");
            Assert.Matches(MosquittoLineFormat(), theirs);
            Assert.Matches(MosquittoLineFormat(), ours);
            // Same KDF: our verifier accepts mosquitto_passwd's hash; with mosquitto's salt we produce its exact line.
            Assert.True(BrokerPasswords.VerifyMosquittoLine(theirs, "alice", "correct horse"));
            Assert.False(BrokerPasswords.VerifyMosquittoLine(theirs, "alice", "wrong"));
            byte[] salt = Convert.FromBase64String(theirs.Split('$')[3]);
            Assert.Equal(theirs, BrokerPasswords.MosquittoLine("alice", "correct horse", salt));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [ToolFact("mosquitto", "mosquitto_pub")]
    public void RealMosquitto_AcceptsRightPassword_RefusesWrongOne()
    {
        string dir = Directory.CreateTempSubdirectory("shsec-broker-").FullName;
        int port;
        using (var l = new TcpListener(IPAddress.Loopback, 0))
        {
            l.Start();
            port = ((IPEndPoint)l.LocalEndpoint).Port;
        }
        string pw = Path.Combine(dir, "mosquitto.passwd");
        File.Copy(P.BrokerPasswordFile, pw);
        File.SetUnixFileMode(pw, KeyFiles.PublicMode);
        File.SetUnixFileMode(dir, KeyFiles.PublicMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        string conf = Path.Combine(dir, "mosquitto.conf");
        // 'user root' keeps a root-run broker from dropping to user mosquitto (ignored when not root).
        File.WriteAllText(conf, $"user root\nlistener {port} 127.0.0.1\nallow_anonymous false\npassword_file {pw}\nlog_dest stdout\n");
        var users = Accounts.ToDictionary(a => a, a => BrokerPasswords.ReadPasswordFile(P.BrokerPassword(a)));
        using var broker = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(Tools.Find("mosquitto")!, ["-c", conf])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        try
        {
            WaitForPort(port);
            string pub = Tools.Find("mosquitto_pub")!;
            var ok = Tools.Run(pub, ["-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-u", "actuator", "-P", users["actuator"], "-t", "t", "-m", "hi", "-q", "1"], 15_000);
            Assert.True(ok.ExitCode == 0, "right password refused: " + ok.Stderr);
            var bad = Tools.Run(pub, ["-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-u", "actuator", "-P", users["actuator"] + "x", "-t", "t", "-m", "hi", "-q", "1"], 15_000);
            Assert.NotEqual(0, bad.ExitCode);
            var other = Tools.Run(pub, ["-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-u", "monitor", "-P", users["actuator"], "-t", "t", "-m", "hi", "-q", "1"], 15_000);
            Assert.NotEqual(0, other.ExitCode);
            output.WriteLine($"right: exit 0; wrong: exit {bad.ExitCode} {bad.Stderr.Trim()}");
        }
        finally
        {
            broker.Kill();
            broker.WaitForExit(5000);
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void WaitForPort(int port)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                using var c = new TcpClient();
                c.Connect(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }
}
