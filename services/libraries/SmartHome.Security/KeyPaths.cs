namespace SmartHome.Security;

/// <summary>
/// Where every key file lives under the keys/ folder (see keys/README.md). Other projects use this instead of
/// hard-coding file names. Public material (actuator/, devices/, broker/*.crt.pem) is world-readable; every secret
/// lives in <c>private/{identity}/</c> (folder 0700, files 0600), so a process can be handed exactly the files of
/// the identities it runs and nothing else.
/// </summary>
public sealed class KeyPaths
{
    /// <summary>Identity folder of the secure broker (server TLS key, hashed password file).</summary>
    public const string BrokerIdentity = "broker";

    /// <summary>Identity folder of KeyGen (the CA private key: nothing else ever reads it).</summary>
    public const string KeyGenIdentity = "keygen";

    public KeyPaths(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>The keys folder.</summary>
    public string Root { get; }

    public string ActuatorDirectory => Path.Combine(Root, "actuator");
    public string ActuatorPublicKey => Path.Combine(ActuatorDirectory, "rsa.pub.pem");
    public string ActuatorPrivateKey => Path.Combine(IdentityDirectory("actuator"), "rsa.key.pem");
    /// <summary>The actuator's DSA-2048 public key: devices verify its acknowledgements with it.</summary>
    public string ActuatorSigningPublicKey => Path.Combine(ActuatorDirectory, "dsa.pub.pem");
    /// <summary>The actuator's DSA-2048 private key: it signs acknowledgements (a second secret of the same identity, in its folder).</summary>
    public string ActuatorSigningPrivateKey => Path.Combine(IdentityDirectory("actuator"), "dsa.key.pem");

    /// <summary>The actuator's static X25519 public key (modern and session-signed suites): devices agree session keys with it.</summary>
    public string ActuatorAgreementPublicKey => Path.Combine(ActuatorDirectory, "x25519.pub.pem");
    /// <summary>The actuator's static X25519 private key (modern and session-signed suites).</summary>
    public string ActuatorAgreementPrivateKey => Path.Combine(IdentityDirectory("actuator"), "x25519.key.pem");

    /// <summary>The actuator's Ed25519 public key that v2 acknowledgements verify under (modern and session-signed suites).</summary>
    public string ActuatorAckSuitePublicKey => Path.Combine(ActuatorDirectory, "ack.ed25519.pub.pem");
    /// <summary>The actuator's Ed25519 private key that signs v2 acknowledgements (its own secret, beside the DSA one).</summary>
    public string ActuatorAckSuitePrivateKey => Path.Combine(IdentityDirectory("actuator"), "ack.ed25519.key.pem");

    /// <summary>Device public keys and the registry: public, handed to the actuator as a folder.</summary>
    public string DevicesDirectory => Path.Combine(Root, "devices");
    public string DevicePublicKey(string deviceId) => Path.Combine(DevicesDirectory, CheckId(deviceId) + ".dsa.pub.pem");
    public string DevicePrivateKey(string deviceId) => Path.Combine(IdentityDirectory(deviceId), "dsa.key.pem");
    /// <summary>A device's Ed25519 public key (modern and session-signed suites).</summary>
    public string DeviceSuitePublicKey(string deviceId) => DeviceSuitePublicKeyIn(DevicesDirectory, deviceId);
    /// <summary>A device's Ed25519 private key (modern and session-signed suites).</summary>
    public string DeviceSuitePrivateKey(string deviceId) => Path.Combine(IdentityDirectory(deviceId), "ed25519.key.pem");

    /// <summary><c>{id}.ed25519.pub.pem</c> in a devices folder handed over on its own.</summary>
    public static string DeviceSuitePublicKeyIn(string devicesDirectory, string deviceId) =>
        Path.Combine(devicesDirectory, CheckId(deviceId) + ".ed25519.pub.pem");

    /// <summary>The device registry (device → kind, range, rate): who may send what (<see cref="SmartHome.Security.DeviceRegistry"/>).</summary>
    public string DeviceRegistry => Path.Combine(DevicesDirectory, "registry.json");

    public string BrokerDirectory => Path.Combine(Root, "broker");
    public string BrokerCaCertificate => Path.Combine(BrokerDirectory, "ca.crt.pem");
    public string BrokerCaPrivateKey => Path.Combine(IdentityDirectory(KeyGenIdentity), "ca.key.pem");
    public string BrokerServerCertificate => Path.Combine(BrokerDirectory, "server.crt.pem");
    public string BrokerServerPrivateKey => Path.Combine(IdentityDirectory(BrokerIdentity), "server.key.pem");
    /// <summary>Mosquitto 2.0 password file (PBKDF2-SHA512 hashes of every account; only the broker reads it).</summary>
    public string BrokerPasswordFile => Path.Combine(IdentityDirectory(BrokerIdentity), "mosquitto.passwd");

    /// <summary>Parent of every identity's secrets.</summary>
    public string PrivateDirectory => Path.Combine(Root, "private");

    /// <summary>The secrets of one identity (a broker account, <see cref="BrokerIdentity"/> or <see cref="KeyGenIdentity"/>).</summary>
    public string IdentityDirectory(string identity) => Path.Combine(PrivateDirectory, CheckId(identity));

    /// <summary>One broker account's plaintext password (one line, mode 0600).</summary>
    public string BrokerPassword(string account) => Path.Combine(IdentityDirectory(account), "broker.password");

    /// <summary>Broker accounts that have a password file, sorted.</summary>
    public IReadOnlyList<string> ListBrokerAccounts()
    {
        if (!Directory.Exists(PrivateDirectory))
        {
            return [];
        }
        var accounts = new List<string>();
        foreach (string dir in Directory.EnumerateDirectories(PrivateDirectory))
        {
            string name = Path.GetFileName(dir);
            if (EnvelopeFormat.IsValidSenderId(name) && File.Exists(Path.Combine(dir, "broker.password")))
            {
                accounts.Add(name);
            }
        }
        accounts.Sort(StringComparer.Ordinal);
        return accounts;
    }

    /// <summary>Device ids that have a public key in <see cref="DevicesDirectory"/>, sorted.</summary>
    public IReadOnlyList<string> ListDeviceIds() => ListDeviceIds(DevicesDirectory);

    /// <summary>Device ids that have a <c>{id}.dsa.pub.pem</c> in <paramref name="devicesDirectory"/>, sorted.</summary>
    public static IReadOnlyList<string> ListDeviceIds(string devicesDirectory)
    {
        if (!Directory.Exists(devicesDirectory))
        {
            return [];
        }
        const string suffix = ".dsa.pub.pem";
        var ids = new List<string>();
        foreach (string f in Directory.EnumerateFiles(devicesDirectory, "*" + suffix))
        {
            string name = Path.GetFileName(f);
            string id = name[..^suffix.Length];
            if (DeviceIds.IsValid(id))
            {
                ids.Add(id);
            }
        }
        ids.Sort(StringComparer.Ordinal);
        return ids;
    }

    /// <summary>
    /// The repository's keys/ folder: walks up from <paramref name="startDirectory"/> (default: current directory)
    /// to the folder containing SmartHome.sln. Falls back to ./keys when no solution is found.
    /// </summary>
    public static string FindDefaultRoot(string? startDirectory = null)
    {
        var dir = new DirectoryInfo(startDirectory ?? Directory.GetCurrentDirectory());
        for (var d = dir; d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "SmartHome.sln")))
            {
                return Path.Combine(d.FullName, "keys");
            }
        }
        return Path.Combine(dir.FullName, "keys");
    }

    private static string CheckId(string id) => DeviceIds.Require(id, nameof(id));
}
