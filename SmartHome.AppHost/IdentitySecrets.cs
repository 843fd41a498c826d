using SmartHome.Security;

namespace SmartHome.AppHost;

/// <summary>
/// One secret per identity: each secure resource gets the paths of its own identity's files (keys/private/{identity}/)
/// and of the public material it uses, never the keys folder. The CA key stays with KeyGen, the broker's files with
/// the broker, the 'health' password with the AppHost's health check (see README.md, "Secrets and broker rights").
/// </summary>
internal static class IdentitySecrets
{
    /// <summary>The secure broker demands a username/password and TLS with our CA.</summary>
    private static IResourceBuilder<ProjectResource> WithBrokerLogin(this IResourceBuilder<ProjectResource> service, KeyPaths keys,
        IEnumerable<string> accounts)
    {
        service.WithEnvironment("Broker__Authenticate", "true")
            .WithEnvironment("Broker__CaCertificate", keys.BrokerCaCertificate);
        foreach (var account in accounts)
        {
            service.WithEnvironment($"Broker__PasswordFiles__{account}", keys.BrokerPassword(account));
        }

        return service;
    }

    /// <summary>The device registry (public): who may send what. Both pipelines' actuators authorize readings with it.</summary>
    public static IResourceBuilder<ProjectResource> WithDeviceRegistry(this IResourceBuilder<ProjectResource> actuator, KeyPaths keys) =>
        actuator.WithEnvironment("Security__DeviceRegistry", keys.DeviceRegistry);

    /// <summary>
    /// The actuator: its broker password, RSA private key and acknowledgement-signing DSA key, and its X25519 key when a
    /// v2 suite can be in use (<see cref="SuiteKeyNeeds.ActuatorNeedsV2"/>); public: device keys and the device registry.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithActuatorSecrets(this IResourceBuilder<ProjectResource> actuator, KeyPaths keys,
        bool v2Suites)
    {
        actuator.WithBrokerLogin(keys, [BrokerAcl.Actuator])
            .WithEnvironment("Security__DecryptionKey", keys.ActuatorPrivateKey)
            .WithEnvironment("Security__AckSigningKey", keys.ActuatorSigningPrivateKey)
            .WithEnvironment("Security__DevicePublicKeys", keys.DevicesDirectory)
            .WithDeviceRegistry(keys);
        if (v2Suites)
        {
            actuator.WithEnvironment("Security__AgreementKey", keys.ActuatorAgreementPrivateKey);
        }

        return actuator;
    }

    /// <summary>The sensor: the broker password and DSA private key of each device it simulates (and only those); public: the actuator's RSA key.</summary>
    /// <param name="v2Suite">The deployment's suite is a v2 one: the devices' Ed25519 keys and the actuator's X25519 key instead of nothing.</param>
    public static IResourceBuilder<ProjectResource> WithSensorSecrets(this IResourceBuilder<ProjectResource> sensor, KeyPaths keys,
        IReadOnlyList<string> devices, bool v2Suite)
    {
        sensor.WithBrokerLogin(keys, devices)
            .WithEnvironment("Security__ActuatorPublicKey", keys.ActuatorPublicKey)
            .WithEnvironment("Security__ActuatorSigningPublicKey", keys.ActuatorSigningPublicKey);
        if (v2Suite)
        {
            sensor.WithEnvironment("Security__ActuatorAgreementPublicKey", keys.ActuatorAgreementPublicKey);
        }

        // The sensor simulates its default devices, the ones KeyGen creates by default.
        foreach (var device in devices)
        {
            sensor.WithEnvironment($"Security__SigningKeys__{device}", keys.DevicePrivateKey(device));
            if (v2Suite)
            {
                sensor.WithEnvironment($"Security__SuiteSigningKeys__{device}", keys.DeviceSuitePrivateKey(device));
            }
        }

        return sensor;
    }

    /// <summary>
    /// The attacker's capability levels: 'monitor' (compromised broker) and 'auditor' (valid login, no rights), plus the
    /// modelled insider theft: the broker password and DSA private key of the insider device (plug-garage), stolen on
    /// purpose so the insider attacks can be tried. Public: the actuator's RSA key.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithAttackerSecrets(this IResourceBuilder<ProjectResource> attacker, KeyPaths keys)
    {
        const string insider = "plug-garage";
        return attacker.WithBrokerLogin(keys, [BrokerAcl.Monitor, BrokerAcl.Auditor, insider])
            .WithEnvironment("Attacker__StolenSigningKey", keys.DevicePrivateKey(insider))
            .WithEnvironment("Security__ActuatorPublicKey", keys.ActuatorPublicKey);
    }
}
