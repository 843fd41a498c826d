using SmartHome.Security;

namespace SmartHome.AppHost.Brokers;

/// <summary>The secure broker's authentication, authorization and TLS, all from the KeyGen's keys/ folder.</summary>
public static class SecureBrokerFiles
{
    /// <summary>Passwords, ACL and TLS from <paramref name="keys"/>; the AppHost's health check connects as 'health' (no resource gets it).</summary>
    public static IResourceBuilder<T> WithSecureBrokerFiles<T>(this IResourceBuilder<T> broker, KeyPaths keys)
        where T : IHostedMosquittoBroker
    {
        ArgumentNullException.ThrowIfNull(keys);
        return broker
            .WithPasswordFile(keys.BrokerPasswordFile,
                healthAccount: () => new BrokerAccount(BrokerAcl.Health, BrokerPasswords.ReadPasswordFile(keys.BrokerPassword(BrokerAcl.Health))))
            // Generated at each broker start: KeyGen may only now have created the device accounts.
            .WithAcl(() => BrokerAcl.For(keys))
            .WithTls(keys.BrokerCaCertificate, keys.BrokerServerCertificate, keys.BrokerServerPrivateKey);
    }

    /// <summary>True when KeyGen has to run first (nothing, or not everything, is in keys/).</summary>
    public static bool KeysMissing(KeyPaths keys) =>
        !File.Exists(keys.ActuatorPrivateKey) || !File.Exists(keys.ActuatorSigningPrivateKey) || !File.Exists(keys.BrokerPasswordFile)
        || !File.Exists(keys.BrokerPassword(BrokerAcl.Health)) || !File.Exists(keys.BrokerPassword(BrokerAcl.Auditor))
        || !KeyMaterialGenerator.DefaultDevices.All(d => File.Exists(keys.DevicePrivateKey(d)) && File.Exists(keys.BrokerPassword(d)))
        || !File.Exists(keys.DeviceRegistry)
        // A keys folder from before the crypto suites: KeyGen adds their X25519/Ed25519 pairs and keeps everything else.
        || !File.Exists(keys.ActuatorAgreementPrivateKey) || !File.Exists(keys.ActuatorAckSuitePrivateKey)
        || !KeyMaterialGenerator.DefaultDevices.All(d => File.Exists(keys.DeviceSuitePrivateKey(d)))
        || !File.Exists(keys.BrokerServerCertificate) || !File.Exists(keys.BrokerServerPrivateKey);
}
