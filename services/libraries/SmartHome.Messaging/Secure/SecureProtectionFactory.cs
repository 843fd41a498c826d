using Microsoft.Extensions.Configuration;
using SmartHome.Security;

namespace SmartHome.Messaging.Secure;

/// <summary>
/// Builds each role's side of the pipeline seam from configuration. Each role reads only the files of its own
/// identities, each named by its own key (the AppHost sets them; keys/README.md lists them); without a key, the
/// file's place in the keys folder (<c>SmartHome:KeysDirectory</c>, default keys/ of the repository) is used, for a
/// service started by hand. Missing or corrupt key files surface as <see cref="KeyMaterialException"/> naming the
/// file; callers print it as one sentence.
/// </summary>
public static class ProtectionFactory
{
    /// <summary>The actuator's RSA public key (sensor): <c>Security:ActuatorPublicKey</c>.</summary>
    public const string ActuatorPublicKeyKey = "Security:ActuatorPublicKey";

    /// <summary>One device's DSA private key (sensor): <c>Security:SigningKeys:{device}</c>.</summary>
    public const string SigningKeysSection = "Security:SigningKeys";

    /// <summary>The actuator's RSA private key (actuator): <c>Security:DecryptionKey</c>.</summary>
    public const string DecryptionKeyKey = "Security:DecryptionKey";

    /// <summary>The folder of device public keys (actuator): <c>Security:DevicePublicKeys</c>.</summary>
    public const string DevicePublicKeysKey = "Security:DevicePublicKeys";

    /// <summary>The actuator's DSA private key that signs acknowledgements (actuator): <c>Security:AckSigningKey</c>.</summary>
    public const string AckSigningKeyKey = "Security:AckSigningKey";

    /// <summary>The actuator's DSA public key that acknowledgements verify under (sensor): <c>Security:ActuatorSigningPublicKey</c>.</summary>
    public const string ActuatorSigningPublicKeyKey = "Security:ActuatorSigningPublicKey";

    /// <summary>The deployment's crypto suite, <c>seed</c> (default), <c>modern</c> or <c>session-signed</c>: <c>Security:Suite</c>.</summary>
    public const string SuiteKey = "Security:Suite";

    /// <summary>The actuator's X25519 public key (sensor, v2 suites): <c>Security:ActuatorAgreementPublicKey</c>.</summary>
    public const string ActuatorAgreementPublicKeyKey = "Security:ActuatorAgreementPublicKey";

    /// <summary>One device's Ed25519 private key (sensor, v2 suites): <c>Security:SuiteSigningKeys:{device}</c>.</summary>
    public const string SuiteSigningKeysSection = "Security:SuiteSigningKeys";

    /// <summary>The actuator's X25519 private key (actuator, v2 suites): <c>Security:AgreementKey</c>.</summary>
    public const string AgreementKeyKey = "Security:AgreementKey";

    /// <summary>The device registry (actuator: who may send what; sensor: suite pins): <c>Security:DeviceRegistry</c>.</summary>
    public const string DeviceRegistryKey = "Security:DeviceRegistry";

    /// <summary>The actuator's identity in acknowledgement headers: its broker account.</summary>
    public const string ActuatorIdentity = BrokerAcl.Actuator;

    /// <summary>The actuator's Ed25519 private key that signs v2 acknowledgements (actuator, v2 suites): <c>Security:AckSuiteSigningKey</c>.</summary>
    public const string AckSuiteSigningKeyKey = "Security:AckSuiteSigningKey";

    /// <summary>The actuator's Ed25519 public key that v2 acknowledgements verify under (sensor, v2 suites): <c>Security:ActuatorAckSuitePublicKey</c>.</summary>
    public const string ActuatorAckSuitePublicKeyKey = "Security:ActuatorAckSuitePublicKey";

    /// <summary>
    /// The actuator's acknowledgement signing (secure: its own key and persisted counter). Each device is acknowledged in the
    /// suite it sends in (<see cref="SenderSuites.Chooser"/> over the deployment's suite and the device registry): seed with
    /// DSA (v1), a v2 suite with Ed25519 (v2). Only the keys of suites some device can be in are loaded.
    /// </summary>
    public static IAckProtection AcksForActuator(string pipeline, IConfiguration configuration)
    {
        if (pipeline == ProtectionRegistration.Insecure)
        {
            return new PlaintextAckProtection();
        }

        var deploymentSuite = Suite(configuration);
        var registry = RegistryIfPresent(configuration);
        var counter = new AckCounter(ActuatorIdentity,
            CounterStore.InDirectory(Path.Combine(StateDirectory(configuration), "actuator-ack-counters")));
        var signers = new Dictionary<CryptoSuite, AckSigner>();
        foreach (var suite in SenderSuites.AcknowledgementSuites(deploymentSuite, registry))
        {
            IAckScheme scheme = suite == CryptoSuite.Seed
                ? new DsaAckScheme(KeyFiles.LoadDsa(AckSigningKey(configuration), requirePrivate: true))
                : new Ed25519AckScheme(suite, KeyFiles.LoadEd25519Private(AckSuiteSigningKey(configuration)));
            signers[suite] = new AckSigner(scheme, counter);
        }

        var choose = SenderSuites.Chooser(deploymentSuite, registry);
        return signers.Count == 1
            ? SecureAckProtection.ForActuator(signers.Values.Single())
            : SecureAckProtection.ForActuator(device => signers[choose(device)]);
    }

    /// <summary>
    /// The devices' acknowledgement checks (secure: the actuator's key of each device's suite, freshness, one persisted replay
    /// window over the actuator's counter). A device is checked in the suite it seals in (<see cref="SenderSuites.Choose"/>),
    /// so an acknowledgement in another version or suite is refused (<see cref="SmartHome.Security.RejectReasons.SuiteNotAllowed"/>).
    /// </summary>
    public static IAckProtection AcksForSensor(string pipeline, IConfiguration configuration, IEnumerable<string> deviceIds)
    {
        if (pipeline == ProtectionRegistration.Insecure)
        {
            return new PlaintextAckProtection();
        }

        var choices = SenderSuites.Choose(Suite(configuration), SensorRegistry(configuration), deviceIds);
        var state = StateDirectory(configuration);
        Directory.CreateDirectory(state);
        var replay = ReplayStore.OpenFile(Path.Combine(state, "sensor-ack-replay.bin"));
        var freshness = TimeSpan.FromSeconds(configuration.GetValue("Security:FreshnessSeconds", 30.0));
        var guard = new AckReplayGuard(ActuatorIdentity, replay, freshness);
        var verifiers = new Dictionary<string, AckVerifier>(StringComparer.Ordinal);
        foreach (var group in choices.GroupBy(c => c.Suite))
        {
            IAckScheme scheme = group.Key == CryptoSuite.Seed
                ? new DsaAckScheme(KeyFiles.LoadDsa(ActuatorSigningPublicKey(configuration), requirePrivate: false))
                : new Ed25519AckScheme(group.Key, KeyFiles.LoadEd25519Public(ActuatorAckSuitePublicKey(configuration)));
            var topics = group.Select(c => Topics.Acks(c.DeviceId)).ToHashSet(StringComparer.Ordinal);
            var verifier = new AckVerifier(scheme, guard, topics.Contains);
            foreach (var choice in group)
            {
                verifiers[choice.DeviceId] = verifier;
            }
        }

        return SecureAckProtection.ForDevices(verifiers);
    }

    public static string AckSigningKey(IConfiguration configuration) =>
        configuration[AckSigningKeyKey] is { Length: > 0 } file ? file : Keys(configuration).ActuatorSigningPrivateKey;

    public static string AckSuiteSigningKey(IConfiguration configuration) =>
        configuration[AckSuiteSigningKeyKey] is { Length: > 0 } file ? file : Keys(configuration).ActuatorAckSuitePrivateKey;

    public static string ActuatorSigningPublicKey(IConfiguration configuration) =>
        configuration[ActuatorSigningPublicKeyKey] is { Length: > 0 } file ? file : Keys(configuration).ActuatorSigningPublicKey;

    public static string ActuatorAckSuitePublicKey(IConfiguration configuration) =>
        configuration[ActuatorAckSuitePublicKeyKey] is { Length: > 0 } file ? file : Keys(configuration).ActuatorAckSuitePublicKey;

    public static IMessageProtection ForSensor(string pipeline, IConfiguration configuration, IEnumerable<string> deviceIds)
    {
        if (pipeline == ProtectionRegistration.Insecure)
        {
            return new PlaintextProtection();
        }

        var rotation = new RotationPolicy
        {
            MaxMessages = configuration.GetValue("Security:RotateAfterMessages", RotationPolicy.Default.MaxMessages),
            MaxAge = TimeSpan.FromMinutes(configuration.GetValue("Security:RotateAfterMinutes", RotationPolicy.Default.MaxAge.TotalMinutes)),
        };
        var choices = SenderSuites.Choose(Suite(configuration), SensorRegistry(configuration), deviceIds);
        var files = new SenderKeyFiles(ActuatorPublicKey(configuration), ActuatorAgreementPublicKey(configuration),
            id => SigningKey(configuration, id), id => SuiteSigningKey(configuration, id));
        return SecureSenderProtection.Create(choices, files, StateDirectory(configuration), rotation);
    }

    /// <summary>
    /// The registry whose suite pins the sensor honours: <c>Security:DeviceRegistry</c> when set (it must load), else the
    /// keys folder's when it exists; null (no pins: every device in the deployment's suite) otherwise. The AppHost passes
    /// it only when it pins a device, so a seed deployment's sensor holds what it always held.
    /// </summary>
    public static DeviceRegistry? SensorRegistry(IConfiguration configuration) => RegistryIfPresent(configuration);

    /// <summary><c>Security:DeviceRegistry</c> when set (it must load), else the keys folder's when it exists, else null.</summary>
    private static DeviceRegistry? RegistryIfPresent(IConfiguration configuration)
    {
        if (configuration[DeviceRegistryKey] is { Length: > 0 } path)
        {
            return DeviceRegistry.Load(path);
        }

        var fallback = Keys(configuration).DeviceRegistry;
        return File.Exists(fallback) ? DeviceRegistry.Load(fallback) : null;
    }

    /// <summary>The device registry the actuator authorizes readings with (<c>Security:DeviceRegistry</c>, default keys/devices/registry.json).</summary>
    public static DeviceRegistry LoadRegistry(IConfiguration configuration) =>
        DeviceRegistry.Load(configuration[DeviceRegistryKey] is { Length: > 0 } path
            ? path
            : Keys(configuration).DeviceRegistry);

    /// <summary>The actuator's side; on the secure pipeline only devices in <paramref name="registry"/> are trusted senders.</summary>
    public static IMessageProtection ForActuator(string pipeline, IConfiguration configuration, DeviceRegistry registry)
    {
        if (pipeline == ProtectionRegistration.Insecure)
        {
            return new PlaintextProtection();
        }

        var policy = new SuitePolicy(Suite(configuration), registry);
        var devices = DevicePublicKeys(configuration);
        // Not disposed: the receiver keeps using the device public keys the store loaded.
        var files = new ReceiverKeyFiles(() => KeyStore.LoadDevices(devices), DecryptionKey(configuration), AgreementKey(configuration), devices);
        var freshness = TimeSpan.FromSeconds(configuration.GetValue("Security:FreshnessSeconds", 30.0));
        return SecureReceiverProtection.Create(policy, files, StateDirectory(configuration), freshness);
    }

    /// <summary>
    /// <c>Security:Suite</c>, validated at start: absent is <c>seed</c>; anything but a suite name is an
    /// <see cref="InvalidOperationException"/> whose one sentence lists the valid names (<see cref="StartupCheck"/> prints it).
    /// </summary>
    public static CryptoSuite Suite(IConfiguration configuration)
    {
        var name = configuration[SuiteKey];
        if (string.IsNullOrEmpty(name))
        {
            return CryptoSuites.Default;
        }

        return CryptoSuites.TryParse(name, out var suite)
            ? suite
            : throw new InvalidOperationException($"{SuiteKey} is '{name}', not one of {string.Join(", ", CryptoSuites.Names)}.");
    }

    public static string ActuatorAgreementPublicKey(IConfiguration configuration) =>
        configuration[ActuatorAgreementPublicKeyKey] is { Length: > 0 } file ? file : Keys(configuration).ActuatorAgreementPublicKey;

    public static string SuiteSigningKey(IConfiguration configuration, string deviceId) =>
        configuration[$"{SuiteSigningKeysSection}:{deviceId}"] is { Length: > 0 } file ? file : Keys(configuration).DeviceSuitePrivateKey(deviceId);

    public static string AgreementKey(IConfiguration configuration) =>
        configuration[AgreementKeyKey] is { Length: > 0 } file ? file : Keys(configuration).ActuatorAgreementPrivateKey;

    public static string ActuatorPublicKey(IConfiguration configuration) =>
        configuration[ActuatorPublicKeyKey] is { Length: > 0 } file ? file : Keys(configuration).ActuatorPublicKey;

    public static string SigningKey(IConfiguration configuration, string deviceId) =>
        configuration[$"{SigningKeysSection}:{deviceId}"] is { Length: > 0 } file ? file : Keys(configuration).DevicePrivateKey(deviceId);

    public static string DecryptionKey(IConfiguration configuration) =>
        configuration[DecryptionKeyKey] is { Length: > 0 } file ? file : Keys(configuration).ActuatorPrivateKey;

    public static string DevicePublicKeys(IConfiguration configuration) =>
        configuration[DevicePublicKeysKey] is { Length: > 0 } dir ? dir : Keys(configuration).DevicesDirectory;

    private static KeyPaths Keys(IConfiguration configuration) =>
        new(configuration["SmartHome:KeysDirectory"] is { Length: > 0 } dir ? dir : KeyPaths.FindDefaultRoot());

    /// <summary>This service's state folder: <c>SmartHome:StateDirectory/{Pipeline}</c>, else ./state.</summary>
    public static string StateDirectory(IConfiguration configuration) =>
        configuration["SmartHome:StateDirectory"] is { Length: > 0 } dir
            ? Path.Combine(dir, configuration["Pipeline"] ?? "standalone")
            : Path.Combine(Directory.GetCurrentDirectory(), "state");
}
