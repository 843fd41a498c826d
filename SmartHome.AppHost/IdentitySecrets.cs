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

    /// <summary>
    /// The device registry (public): who may send what. Both pipelines' actuators authorize readings with it; the secure
    /// sensor reads its suite pins.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithDeviceRegistry(this IResourceBuilder<ProjectResource> service, KeyPaths keys) =>
        service.WithEnvironment("Security__DeviceRegistry", keys.DeviceRegistry);

    /// <summary>
    /// The actuator: its broker password, and of its private keys only those of the suites it can meet
    /// (<see cref="SuiteKeyNeeds.Actuator"/>): RSA and the DSA acknowledgement key for seed, X25519 and the Ed25519
    /// acknowledgement key for a v2 suite. Public: device keys and the device registry.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithActuatorSecrets(this IResourceBuilder<ProjectResource> actuator, KeyPaths keys,
        ActuatorKeyNeeds needs)
    {
        ArgumentNullException.ThrowIfNull(needs);
        actuator.WithBrokerLogin(keys, [BrokerAcl.Actuator])
            .WithEnvironment("Security__DevicePublicKeys", keys.DevicesDirectory)
            .WithDeviceRegistry(keys);
        if (needs.OpensSeed)
        {
            actuator.WithEnvironment("Security__DecryptionKey", keys.ActuatorPrivateKey);
        }

        if (needs.AcksInSeed)
        {
            actuator.WithEnvironment("Security__AckSigningKey", keys.ActuatorSigningPrivateKey);
        }

        if (needs.OpensV2)
        {
            actuator.WithEnvironment("Security__AgreementKey", keys.ActuatorAgreementPrivateKey);
        }

        if (needs.AcksInV2)
        {
            actuator.WithEnvironment("Security__AckSuiteSigningKey", keys.ActuatorAckSuitePrivateKey);
        }

        return actuator;
    }

    /// <summary>
    /// The sensor: the broker password of each device it simulates (and only those), and per device the private key of the
    /// suite it seals in (<see cref="SuiteKeyNeeds.Sensor"/>): DSA for seed, Ed25519 for a v2 suite. Public: the actuator's
    /// RSA key and DSA acknowledgement key when a device seals in seed, its X25519 key and Ed25519 acknowledgement key when
    /// one seals in a v2 suite, and the device registry when a pin moves a device off the deployment's suite.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithSensorSecrets(this IResourceBuilder<ProjectResource> sensor, KeyPaths keys,
        SensorKeyNeeds needs)
    {
        ArgumentNullException.ThrowIfNull(needs);
        sensor.WithBrokerLogin(keys, needs.Choices.Select(c => c.DeviceId));
        if (needs.Seed)
        {
            sensor.WithEnvironment("Security__ActuatorPublicKey", keys.ActuatorPublicKey)
                .WithEnvironment("Security__ActuatorSigningPublicKey", keys.ActuatorSigningPublicKey);
        }

        if (needs.V2)
        {
            sensor.WithEnvironment("Security__ActuatorAgreementPublicKey", keys.ActuatorAgreementPublicKey)
                .WithEnvironment("Security__ActuatorAckSuitePublicKey", keys.ActuatorAckSuitePublicKey);
        }

        if (needs.GivesRegistry)
        {
            sensor.WithDeviceRegistry(keys);
        }

        foreach (var choice in needs.Choices)
        {
            sensor.WithEnvironment(choice.Suite == CryptoSuite.Seed
                    ? $"Security__SigningKeys__{choice.DeviceId}"
                    : $"Security__SuiteSigningKeys__{choice.DeviceId}",
                choice.Suite == CryptoSuite.Seed ? keys.DevicePrivateKey(choice.DeviceId) : keys.DeviceSuitePrivateKey(choice.DeviceId));
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
