namespace SmartHome.Security;

/// <summary>
/// Where every key file lives under the keys/ folder (see keys/README.md). Other projects use this instead of
/// hard-coding file names. Private files end in <c>.key.pem</c> (or are <c>users.json</c> / <c>mosquitto.passwd</c>)
/// and are written with mode 0600.
/// </summary>
public sealed class KeyPaths
{
    public KeyPaths(string root)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>The keys folder.</summary>
    public string Root { get; }

    public string ActuatorDirectory => Path.Combine(Root, "actuator");
    public string ActuatorPublicKey => Path.Combine(ActuatorDirectory, "rsa.pub.pem");
    public string ActuatorPrivateKey => Path.Combine(ActuatorDirectory, "rsa.key.pem");

    public string DevicesDirectory => Path.Combine(Root, "devices");
    public string DevicePublicKey(string deviceId) => Path.Combine(DevicesDirectory, CheckId(deviceId) + ".dsa.pub.pem");
    public string DevicePrivateKey(string deviceId) => Path.Combine(DevicesDirectory, CheckId(deviceId) + ".dsa.key.pem");
    /// <summary>The device registry (device → kind, range, rate): who may send what (<see cref="SmartHome.Security.DeviceRegistry"/>).</summary>
    public string DeviceRegistry => Path.Combine(DevicesDirectory, "registry.json");

    public string BrokerDirectory => Path.Combine(Root, "broker");
    public string BrokerCaCertificate => Path.Combine(BrokerDirectory, "ca.crt.pem");
    public string BrokerCaPrivateKey => Path.Combine(BrokerDirectory, "ca.key.pem");
    public string BrokerServerCertificate => Path.Combine(BrokerDirectory, "server.crt.pem");
    public string BrokerServerPrivateKey => Path.Combine(BrokerDirectory, "server.key.pem");
    /// <summary>Plaintext broker passwords, <c>{ "users": { "name": "password" } }</c> (private).</summary>
    public string BrokerUsers => Path.Combine(BrokerDirectory, "users.json");
    /// <summary>Mosquitto 2.0 password file (PBKDF2-SHA512 hashes).</summary>
    public string BrokerPasswordFile => Path.Combine(BrokerDirectory, "mosquitto.passwd");

    /// <summary>Device ids that have a public key in <see cref="DevicesDirectory"/>, sorted.</summary>
    public IReadOnlyList<string> ListDeviceIds()
    {
        if (!Directory.Exists(DevicesDirectory))
        {
            return [];
        }
        const string suffix = ".dsa.pub.pem";
        var ids = new List<string>();
        foreach (string f in Directory.EnumerateFiles(DevicesDirectory, "*" + suffix))
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
