using SmartHome.Security;

namespace SmartHome.AppHost.Brokers;

/// <summary>The secure broker's authentication, authorization and TLS, all from the KeyGen's keys/ folder.</summary>
public static class SecureBrokerFiles
{
    public static BrokerSecurity Create(KeyPaths keys) => new(
        PasswordFile: keys.BrokerPasswordFile,
        // Generated at each broker start: KeyGen may only now have created the device accounts.
        AclText: () => BrokerAcl.For(keys),
        // The 'health' account is the AppHost's own (its broker health check); no resource gets it.
        HealthAccount: () => new BrokerProbe(0, BrokerAcl.Health, BrokerPasswords.ReadPasswordFile(keys.BrokerPassword(BrokerAcl.Health)), keys.BrokerCaCertificate),
        CaFile: keys.BrokerCaCertificate,
        CertFile: keys.BrokerServerCertificate,
        KeyFile: keys.BrokerServerPrivateKey);

    /// <summary>True when KeyGen has to run first (nothing, or not everything, is in keys/).</summary>
    public static bool KeysMissing(KeyPaths keys) =>
        !File.Exists(keys.ActuatorPrivateKey) || !File.Exists(keys.ActuatorSigningPrivateKey) || !File.Exists(keys.BrokerPasswordFile)
        || !File.Exists(keys.BrokerPassword(BrokerAcl.Health)) || !File.Exists(keys.BrokerPassword(BrokerAcl.Auditor))
        || !KeyMaterialGenerator.DefaultDevices.All(d => File.Exists(keys.DevicePrivateKey(d)) && File.Exists(keys.BrokerPassword(d)))
        || !File.Exists(keys.DeviceRegistry)
        || !File.Exists(keys.BrokerServerCertificate) || !File.Exists(keys.BrokerServerPrivateKey);
}
