using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SmartHome.Security;

/// <summary>What <see cref="KeyMaterialGenerator.Generate"/> should produce.</summary>
public sealed record KeyGenOptions
{
    /// <summary>Regenerate everything, replacing existing files.</summary>
    public bool Force { get; init; }

    /// <summary>Additional fleet device identities <c>fleet-0001..</c> (DSA keys; one shared broker user <c>fleet</c>).</summary>
    public int Fleet { get; init; }

    /// <summary>Home devices (default: temp-living, door-front, smoke-kitchen, plug-garage).</summary>
    public IReadOnlyList<string> Devices { get; init; } = KeyMaterialGenerator.DefaultDevices;

    /// <summary>Service broker users besides the devices (default: actuator, monitor, health).</summary>
    public IReadOnlyList<string> ServiceUsers { get; init; } = KeyMaterialGenerator.DefaultServiceUsers;

    /// <summary>Parallelism for fleet DSA key generation (default: processor count).</summary>
    public int MaxParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Progress lines (optional).</summary>
    public TextWriter? Log { get; init; }
}

/// <summary>What was generated and how long it took.</summary>
public sealed record KeyGenReport(
    IReadOnlyList<string> Repaired,
    IReadOnlyList<string> Created,
    IReadOnlyList<string> Kept,
    TimeSpan RsaKeyGen,
    TimeSpan DeviceKeyGen,
    int DeviceKeysGenerated,
    TimeSpan FleetKeyGen,
    int FleetKeysGenerated,
    TimeSpan Total);

/// <summary>Generates the keys/ folder (used by SmartHome.KeyGen and tests).</summary>
public static class KeyMaterialGenerator
{
    public static IReadOnlyList<string> DefaultDevices { get; } = ["temp-living", "door-front", "smoke-kitchen", "plug-garage"];
    /// <summary>Service accounts; "auditor" is a valid login with no topic rights, for probing the ACL without displacing a device.</summary>
    public static IReadOnlyList<string> DefaultServiceUsers { get; } = ["actuator", "monitor", "health", "auditor"];

    /// <summary>The broker account the fleet simulator logs in with (its devices have no account of their own).</summary>
    public const string FleetAccount = "fleet";

    /// <summary>Fleet identity i (1-based): fleet-0001.</summary>
    public static string FleetId(int i) => "fleet-" + i.ToString("D4", CultureInfo.InvariantCulture);

    public static KeyGenReport Generate(KeyPaths paths, KeyGenOptions options)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Fleet);
        var total = Stopwatch.StartNew();
        var created = new List<string>();
        var kept = new List<string>();
        string? reserved = options.Devices.FirstOrDefault(d =>
            options.ServiceUsers.Contains(d) || d is FleetAccount or KeyPaths.BrokerIdentity or KeyPaths.KeyGenIdentity);
        if (reserved is not null)
        {
            throw new ArgumentException($"Device id '{reserved}' is taken by a service identity; choose another name.", nameof(options));
        }
        Directory.CreateDirectory(paths.Root);
        if (!OperatingSystem.IsWindows())
        {
            // Created private from the start (CreateDirectory's mode applies to the last folder only).
            Directory.CreateDirectory(paths.PrivateDirectory, KeyFiles.PrivateDirectoryMode);
        }
        LegacyLayout.Migrate(paths, options.Log);
        // Before anything reads a secret: whoever could read it so far is named in the warning.
        var repaired = RestrictPrivateFiles(paths);

        // Actuator RSA-2048.
        var sw = Stopwatch.StartNew();
        if (NeedsPair(paths.ActuatorPublicKey, paths.ActuatorPrivateKey, options.Force))
        {
            using RSA rsa = RSA.Create(2048);
            KeyFiles.WriteAtomic(paths.ActuatorPrivateKey, rsa.ExportPkcs8PrivateKeyPem(), isPrivate: true);
            KeyFiles.WriteAtomic(paths.ActuatorPublicKey, rsa.ExportSubjectPublicKeyInfoPem(), isPrivate: false);
            created.Add(paths.ActuatorPrivateKey);
            created.Add(paths.ActuatorPublicKey);
        }
        else
        {
            using RSA priv = KeyFiles.LoadRsa(paths.ActuatorPrivateKey, requirePrivate: true);
            using RSA pub = KeyFiles.LoadRsa(paths.ActuatorPublicKey, requirePrivate: false);
            RequireSamePublic(priv.ExportSubjectPublicKeyInfo(), pub.ExportSubjectPublicKeyInfo(), paths.ActuatorPublicKey);
            kept.Add(paths.ActuatorPrivateKey);
            kept.Add(paths.ActuatorPublicKey);
        }
        // Actuator DSA-2048: signs the acknowledgements the devices verify (docs/PROTOCOL.md, "Acknowledgement").
        if (NeedsPair(paths.ActuatorSigningPublicKey, paths.ActuatorSigningPrivateKey, options.Force))
        {
            using DSA dsa = DSA.Create(2048);
            KeyFiles.WriteAtomic(paths.ActuatorSigningPrivateKey, dsa.ExportPkcs8PrivateKeyPem(), isPrivate: true);
            KeyFiles.WriteAtomic(paths.ActuatorSigningPublicKey, dsa.ExportSubjectPublicKeyInfoPem(), isPrivate: false);
            created.Add(paths.ActuatorSigningPrivateKey);
            created.Add(paths.ActuatorSigningPublicKey);
        }
        else
        {
            using DSA priv = KeyFiles.LoadDsa(paths.ActuatorSigningPrivateKey, requirePrivate: true);
            using DSA pub = KeyFiles.LoadDsa(paths.ActuatorSigningPublicKey, requirePrivate: false);
            RequireSamePublic(priv.ExportSubjectPublicKeyInfo(), pub.ExportSubjectPublicKeyInfo(), paths.ActuatorSigningPublicKey);
            kept.Add(paths.ActuatorSigningPrivateKey);
            kept.Add(paths.ActuatorSigningPublicKey);
        }
        // Keys of the modern and session-signed suites: the actuator's static X25519 key (KeyGen writes every suite's keys,
        // so switching Security:Suite needs no second KeyGen run).
        NSecPair(paths.ActuatorAgreementPublicKey, paths.ActuatorAgreementPrivateKey, NSec.Cryptography.KeyAgreementAlgorithm.X25519,
            options.Force, created, kept);
        // The actuator's Ed25519 key for v2 acknowledgements (docs/PROTOCOL.md, "v2 acknowledgement").
        NSecPair(paths.ActuatorAckSuitePublicKey, paths.ActuatorAckSuitePrivateKey, NSec.Cryptography.SignatureAlgorithm.Ed25519,
            options.Force, created, kept);
        TimeSpan rsaTime = sw.Elapsed;
        options.Log?.WriteLine($"actuator RSA-2048: {rsaTime.TotalMilliseconds:F0} ms");

        // Home devices, sequential (few), then the fleet in parallel.
        sw.Restart();
        int devCount = DeviceKeys(paths, options.Devices, options.Force, 1, created, kept);
        TimeSpan devTime = sw.Elapsed;
        options.Log?.WriteLine($"device DSA-2048 keys: {devCount} generated in {devTime.TotalMilliseconds:F0} ms");

        sw.Restart();
        var fleetIds = Enumerable.Range(1, options.Fleet).Select(FleetId).ToList();
        int fleetCount = DeviceKeys(paths, fleetIds, options.Force, Math.Max(1, options.MaxParallelism), created, kept);
        TimeSpan fleetTime = sw.Elapsed;
        if (options.Fleet > 0)
        {
            options.Log?.WriteLine($"fleet DSA-2048 keys: {fleetCount} generated in {fleetTime.TotalMilliseconds:F0} ms (parallelism {options.MaxParallelism})");
        }

        Registry(paths, options.Devices.Concat(fleetIds), options.Force, created, kept);
        BrokerCertificates(paths, options.Force, created, kept);

        BrokerAccounts(paths, options, created, kept);

        return new KeyGenReport(repaired, created, kept, rsaTime, devTime, devCount, fleetTime, fleetCount, total.Elapsed);
    }

    /// <summary>
    /// One password file per account in its identity folder (kept when present), and the broker's hashed file of all
    /// accounts, rewritten whenever an account was added.
    /// </summary>
    private static void BrokerAccounts(KeyPaths paths, KeyGenOptions options, List<string> created, List<string> kept)
    {
        IEnumerable<string> wanted = options.Devices.Concat(options.ServiceUsers);
        if (options.Fleet > 0)
        {
            wanted = wanted.Append(FleetAccount);
        }
        var passwords = new SortedDictionary<string, string>(StringComparer.Ordinal);
        bool changed = options.Force || !File.Exists(paths.BrokerPasswordFile);
        // Accounts from an earlier run stay valid (they may have been created with other options).
        foreach (string account in paths.ListBrokerAccounts().Concat(wanted).Distinct(StringComparer.Ordinal))
        {
            string file = paths.BrokerPassword(account);
            if (!options.Force && File.Exists(file))
            {
                passwords[account] = BrokerPasswords.ReadPasswordFile(file);
                kept.Add(file);
                continue;
            }
            passwords[account] = BrokerPasswords.NewPassword();
            BrokerPasswords.WritePasswordFile(file, passwords[account]);
            created.Add(file);
            changed = true;
        }
        if (changed)
        {
            BrokerPasswords.WriteMosquittoFile(paths.BrokerPasswordFile, passwords);
            created.Add(paths.BrokerPasswordFile);
        }
        else
        {
            kept.Add(paths.BrokerPasswordFile);
        }
    }

    /// <summary>Takes group/other access away from private/, every identity folder and every file in them.</summary>
    private static List<string> RestrictPrivateFiles(KeyPaths paths)
    {
        var repaired = new List<string>();
        void Check(string path, bool isDirectory)
        {
            if (KeyFiles.RestrictToOwner(path, isDirectory) is { } sentence)
            {
                repaired.Add(sentence);
            }
        }

        if (!Directory.Exists(paths.PrivateDirectory))
        {
            return repaired;
        }
        Check(paths.PrivateDirectory, isDirectory: true);
        foreach (string identity in Directory.EnumerateDirectories(paths.PrivateDirectory).Order(StringComparer.Ordinal))
        {
            Check(identity, isDirectory: true);
            foreach (string file in Directory.EnumerateFiles(identity).Order(StringComparer.Ordinal))
            {
                Check(file, isDirectory: false);
            }
        }
        return repaired;
    }

    private static int DeviceKeys(KeyPaths paths, IReadOnlyList<string> ids, bool force, int parallelism, List<string> created, List<string> kept)
    {
        var todo = new List<string>();
        foreach (string id in ids)
        {
            string pub = paths.DevicePublicKey(id);
            string priv = paths.DevicePrivateKey(id);
            if (NeedsPair(pub, priv, force))
            {
                todo.Add(id);
            }
            else
            {
                using DSA k = KeyFiles.LoadDsa(priv, requirePrivate: true);
                using DSA p = KeyFiles.LoadDsa(pub, requirePrivate: false);
                RequireSamePublic(k.ExportSubjectPublicKeyInfo(), p.ExportSubjectPublicKeyInfo(), pub);
                kept.Add(priv);
                kept.Add(pub);
            }
        }
        Parallel.ForEach(todo, new ParallelOptions { MaxDegreeOfParallelism = parallelism }, id =>
        {
            using DSA dsa = DSA.Create(2048);
            // ExportPkcs8 forces generation (OpenSSL generates lazily).
            string privPem = dsa.ExportPkcs8PrivateKeyPem();
            KeyFiles.WriteAtomic(paths.DevicePrivateKey(id), privPem, isPrivate: true);
            KeyFiles.WriteAtomic(paths.DevicePublicKey(id), dsa.ExportSubjectPublicKeyInfoPem(), isPrivate: false);
        });
        foreach (string id in ids)
        {
            NSecPair(paths.DeviceSuitePublicKey(id), paths.DeviceSuitePrivateKey(id), NSec.Cryptography.SignatureAlgorithm.Ed25519, force, created, kept);
        }
        foreach (string id in todo)
        {
            created.Add(paths.DevicePrivateKey(id));
            created.Add(paths.DevicePublicKey(id));
        }
        return todo.Count;
    }

    /// <summary>Registers every device that has keys (existing profiles are kept: an operator may have tightened them).</summary>
    private static void Registry(KeyPaths paths, IEnumerable<string> deviceIds, bool force, List<string> created, List<string> kept)
    {
        var registry = !force && File.Exists(paths.DeviceRegistry)
            ? DeviceRegistry.Load(paths.DeviceRegistry)
            : new DeviceRegistry([]);
        var changed = force || !File.Exists(paths.DeviceRegistry);
        foreach (var id in deviceIds)
        {
            if (!registry.TryGet(id, out _))
            {
                registry = registry.With(id, DeviceRegistry.DefaultProfileFor(id));
                changed = true;
            }
        }

        if (changed)
        {
            registry.Write(paths.DeviceRegistry);
            created.Add(paths.DeviceRegistry);
        }
        else
        {
            kept.Add(paths.DeviceRegistry);
        }
    }

    private static void BrokerCertificates(KeyPaths paths, bool force, List<string> created, List<string> kept)
    {
        bool newCa = NeedsPair(paths.BrokerCaCertificate, paths.BrokerCaPrivateKey, force);
        X509Certificate2 ca;
        if (newCa)
        {
            using ECDsa caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var req = new CertificateRequest("CN=SmartHome Lab Broker CA, O=SmartHome", caKey, HashAlgorithmName.SHA256);
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
            req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
            DateTimeOffset now = DateTimeOffset.UtcNow;
            ca = req.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));
            KeyFiles.WriteAtomic(paths.BrokerCaPrivateKey, caKey.ExportPkcs8PrivateKeyPem(), isPrivate: true);
            KeyFiles.WriteAtomic(paths.BrokerCaCertificate, ca.ExportCertificatePem(), isPrivate: false);
            created.Add(paths.BrokerCaPrivateKey);
            created.Add(paths.BrokerCaCertificate);
        }
        else
        {
            ca = LoadCertWithKey(paths.BrokerCaCertificate, paths.BrokerCaPrivateKey);
            kept.Add(paths.BrokerCaPrivateKey);
            kept.Add(paths.BrokerCaCertificate);
        }

        using (ca)
        {
            if (!newCa && !NeedsPair(paths.BrokerServerCertificate, paths.BrokerServerPrivateKey, force))
            {
                using X509Certificate2 server = LoadCertWithKey(paths.BrokerServerCertificate, paths.BrokerServerPrivateKey);
                kept.Add(paths.BrokerServerPrivateKey);
                kept.Add(paths.BrokerServerCertificate);
                return;
            }
            using ECDsa serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var req = new CertificateRequest("CN=localhost, O=SmartHome", serverKey, HashAlgorithmName.SHA256);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(IPAddress.Loopback);
            san.AddIpAddress(IPAddress.IPv6Loopback);
            req.CertificateExtensions.Add(san.Build());
            req.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
            req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
            req.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
            byte[] serial = new byte[16];
            RandomNumberGenerator.Fill(serial);
            serial[0] &= 0x7F;
            DateTimeOffset now = DateTimeOffset.UtcNow;
            DateTimeOffset notAfter = now.AddDays(825) < ca.NotAfter ? now.AddDays(825) : ca.NotAfter;
            using X509Certificate2 cert = req.Create(ca, now.AddMinutes(-5), notAfter, serial);
            KeyFiles.WriteAtomic(paths.BrokerServerPrivateKey, serverKey.ExportPkcs8PrivateKeyPem(), isPrivate: true);
            KeyFiles.WriteAtomic(paths.BrokerServerCertificate, cert.ExportCertificatePem(), isPrivate: false);
            created.Add(paths.BrokerServerPrivateKey);
            created.Add(paths.BrokerServerCertificate);
        }
    }

    private static X509Certificate2 LoadCertWithKey(string certPath, string keyPath)
    {
        string certPem = KeyFiles.ReadText(certPath, "certificate");
        string keyPem = KeyFiles.ReadText(keyPath, "certificate private key");
        X509Certificate2 cert;
        try
        {
            cert = X509Certificate2.CreateFromPem(certPem);
        }
        catch (CryptographicException ex)
        {
            throw new KeyMaterialException(certPath, $"Corrupt certificate file '{certPath}': not a readable PEM certificate.", ex);
        }
        try
        {
            using (cert)
            {
                return X509Certificate2.CreateFromPem(certPem, keyPem);
            }
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw new KeyMaterialException(keyPath, $"Corrupt private key file '{keyPath}': not a PEM private key matching '{certPath}'.", ex);
        }
    }

    /// <summary>An X25519 or Ed25519 pair (PKCS#8 / SPKI PEM), generated when missing, else checked to match.</summary>
    private static void NSecPair(string publicPath, string privatePath, NSec.Cryptography.Algorithm algorithm, bool force, List<string> created, List<string> kept)
    {
        if (NeedsPair(publicPath, privatePath, force))
        {
            var (privatePem, publicPem) = KeyFiles.NewNSecPair(algorithm);
            KeyFiles.WriteAtomic(privatePath, privatePem, isPrivate: true);
            KeyFiles.WriteAtomic(publicPath, publicPem, isPrivate: false);
            created.Add(privatePath);
            created.Add(publicPath);
            return;
        }
        bool agreement = algorithm is NSec.Cryptography.KeyAgreementAlgorithm;
        using var priv = agreement ? KeyFiles.LoadX25519Private(privatePath) : KeyFiles.LoadEd25519Private(privatePath);
        var pub = agreement ? KeyFiles.LoadX25519Public(publicPath) : KeyFiles.LoadEd25519Public(publicPath);
        RequireSamePublic(priv.PublicKey.Export(NSec.Cryptography.KeyBlobFormat.RawPublicKey), pub.Export(NSec.Cryptography.KeyBlobFormat.RawPublicKey), publicPath);
        kept.Add(privatePath);
        kept.Add(publicPath);
    }

    /// <summary>True when the pair must be generated; a half-present pair is an error (never silently replaced).</summary>
    private static bool NeedsPair(string publicPath, string privatePath, bool force)
    {
        if (force)
        {
            return true;
        }
        bool pub = File.Exists(publicPath);
        bool priv = File.Exists(privatePath);
        if (pub && priv)
        {
            return false;
        }
        if (!pub && !priv)
        {
            return true;
        }
        string missing = pub ? privatePath : publicPath;
        throw new KeyMaterialException(missing, $"Incomplete key pair: '{missing}' is missing while its partner exists; restore it or run with --force to regenerate.");
    }

    private static void RequireSamePublic(byte[] fromPrivate, byte[] fromPublic, string publicPath)
    {
        if (!CryptographicOperations.FixedTimeEquals(fromPrivate, fromPublic))
        {
            throw new KeyMaterialException(publicPath, $"Key file '{publicPath}' does not match its private key; run with --force to regenerate.");
        }
    }

}
