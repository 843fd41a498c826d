using SmartHome.Security;

namespace SmartHome.AppHost.Brokers;

/// <summary>The secure broker's authentication, authorization and TLS, all from the KeyGen's keys/ folder.</summary>
public static class SecureBrokerFiles
{
    /// <summary>The Mosquitto ACL (text in <see cref="BrokerAcl.Secure"/>, shared with the embedded broker's tests).</summary>
    public const string Acl = BrokerAcl.Secure;

    public static BrokerSecurity Create(KeyPaths keys) => new(
        PasswordFile: keys.BrokerPasswordFile,
        AclText: Acl.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n",
        HealthAccount: () => new BrokerProbe(0, "health", BrokerPasswords.ReadUsersFile(keys.BrokerUsers)["health"], keys.BrokerCaCertificate),
        CaFile: keys.BrokerCaCertificate,
        CertFile: keys.BrokerServerCertificate,
        KeyFile: keys.BrokerServerPrivateKey);

    /// <summary>True when KeyGen has to run first (nothing, or not everything, is in keys/).</summary>
    public static bool KeysMissing(KeyPaths keys) =>
        !File.Exists(keys.ActuatorPrivateKey) || !File.Exists(keys.BrokerUsers) || !File.Exists(keys.BrokerPasswordFile)
        || !File.Exists(keys.BrokerServerCertificate) || !File.Exists(keys.BrokerServerPrivateKey) || !File.Exists(keys.DeviceRegistry);
}
