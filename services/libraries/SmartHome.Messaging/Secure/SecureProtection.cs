using System.Diagnostics;
using System.Security.Cryptography;
using SmartHome.Security;
using SmartHome.ServiceDefaults;
using Attr = SmartHome.ServiceDefaults.SmartHomeTelemetry.Attributes;

namespace SmartHome.Messaging.Secure;

/// <summary>
/// The secure pipeline's sending side: one <see cref="IEnvelopeSender"/> per device in its chosen suite (its own
/// signing key, session key and persisted counter). Announcements are retained so a restarted actuator learns the
/// current session key from the broker.
/// </summary>
public sealed class SecureSenderProtection : IMessageProtection, IDisposable
{
    private readonly Dictionary<string, IEnvelopeSender> _senders;
    private readonly KeyValuePair<string, object?> _sealTag = new(Attr.CryptoOperation, "seal");
    private readonly KeyValuePair<string, object?> _announceTag = new(Attr.CryptoOperation, "announce");

    public SecureSenderProtection(IReadOnlyDictionary<string, IEnvelopeSender> senders) =>
        _senders = new Dictionary<string, IEnvelopeSender>(senders, StringComparer.Ordinal);

    public string Mode => "secure";

    public IReadOnlyList<string> SubscriptionFilters => [];

    public IReadOnlyList<OutboundMessage> Protect(string deviceId, ReadOnlySpan<byte> reading)
    {
        var sender = GetSender(deviceId);
        var started = Stopwatch.GetTimestamp();
        var sealedResult = sender.Seal(Topics.Readings(deviceId), reading);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var data = new OutboundMessage(Topics.Readings(deviceId), sealedResult.Message);
        if (sealedResult.Announcement is { } announcement)
        {
            // The first seal under a new key also paid for RSA wrap + DSA sign of the announcement.
            SmartHomeTelemetry.CryptoDuration.Record(elapsed, _announceTag);
            return [Announcement(announcement), data];
        }

        SmartHomeTelemetry.CryptoDuration.Record(elapsed, _sealTag);
        return [data];
    }

    public void RenewSessionAtNextSend(string deviceId) => GetSender(deviceId).RotateAtNextSeal();

    /// <summary>Starts a new session key for every device now; returns the announcements to publish.</summary>
    public IReadOnlyList<OutboundMessage> RotateAll() =>
        _senders.Values.Select(s => Announcement(s.RotateNow())).ToArray();

    public InboundVerdict Unprotect(string topic, ReadOnlySpan<byte> payload) =>
        throw new InvalidOperationException("The sensor does not receive readings.");

    public void Dispose()
    {
        foreach (var sender in _senders.Values)
        {
            sender.Dispose();
        }
    }

    private static OutboundMessage Announcement(KeyAnnouncement announcement) =>
        new(announcement.Topic, announcement.Message, Retain: true);

    private IEnvelopeSender GetSender(string deviceId) =>
        _senders.TryGetValue(deviceId, out var sender)
            ? sender
            : throw new InvalidOperationException($"No signing key for device '{deviceId}' in keys/devices (run KeyGen).");

    /// <summary>
    /// Builds one seed sender per entry of <paramref name="signingKeys"/> (device id → its DSA private key file) for the
    /// actuator's public key in <paramref name="actuatorPublicKey"/>, with counters persisted in <paramref name="stateDirectory"/>.
    /// </summary>
    public static SecureSenderProtection Create(string actuatorPublicKey, IReadOnlyDictionary<string, string> signingKeys,
        string stateDirectory, RotationPolicy rotation)
    {
        ArgumentNullException.ThrowIfNull(signingKeys);
        var choices = signingKeys.Keys.Select(id => new DeviceSuiteChoice(id, CryptoSuite.Seed, Pinned: false)).ToList();
        var files = new SenderKeyFiles(actuatorPublicKey, null, id => signingKeys[id], id => throw new InvalidOperationException($"'{id}' is seed only."));
        return Create(choices, files, stateDirectory, rotation);
    }

    /// <summary>
    /// One sender per device in its chosen suite (<see cref="SenderSuites.Choose"/>): seed with the device's DSA key and the
    /// actuator's RSA key, a v2 suite with the device's Ed25519 key and the actuator's X25519 key. Only the files of the
    /// chosen suites are read; a missing or corrupt one is a <see cref="KeyMaterialException"/> naming the device, the suite
    /// and the file.
    /// </summary>
    public static SecureSenderProtection Create(IReadOnlyList<DeviceSuiteChoice> choices, SenderKeyFiles files, string stateDirectory,
        RotationPolicy rotation)
    {
        ArgumentNullException.ThrowIfNull(choices);
        ArgumentNullException.ThrowIfNull(files);
        var counters = CounterStore.InDirectory(Path.Combine(stateDirectory, "sensor-counters"));
        var senders = new Dictionary<string, IEnvelopeSender>(StringComparer.Ordinal);
        try
        {
            foreach (var choice in choices)
            {
                var id = choice.DeviceId;
                if (choice.Suite == CryptoSuite.Seed)
                {
                    var signingKey = ForDevice(choice, files.SigningKey(id), path => KeyFiles.LoadDsa(path, requirePrivate: true));
                    var recipient = ForDevice(choice, Required(files.ActuatorPublicKey, "RSA"), path => KeyFiles.LoadRsa(path, requirePrivate: false));
                    senders[id] = new EnvelopeSender(id, signingKey, recipient, rotation, counters, TimeProvider.System, Topics.Keys(id));
                }
                else
                {
                    var signingKey = ForDevice(choice, files.SuiteSigningKey(id), KeyFiles.LoadEd25519Private);
                    var recipient = ForDevice(choice, Required(files.ActuatorAgreementPublicKey, "X25519"), KeyFiles.LoadX25519Public);
                    senders[id] = new SuiteEnvelopeSender(id, choice.Suite, signingKey, recipient, rotation, counters, TimeProvider.System,
                        Topics.Keys(id));
                }
            }
        }
        catch
        {
            foreach (var sender in senders.Values)
            {
                sender.Dispose();
            }

            throw;
        }

        return new SecureSenderProtection(senders) { Suites = choices };
    }

    /// <summary>Each device's suite and why (for the start log); empty when built from a ready set of senders.</summary>
    public IReadOnlyList<DeviceSuiteChoice> Suites { get; private init; } = [];

    private static string Required(string? path, string key) =>
        path ?? throw new InvalidOperationException($"No actuator {key} public key was given.");

    /// <summary>Names the device and suite that needed a missing or corrupt key file: the operator then knows why it is wanted.</summary>
    private static T ForDevice<T>(DeviceSuiteChoice choice, string path, Func<string, T> load)
    {
        try
        {
            return load(path);
        }
        catch (KeyMaterialException ex)
        {
            var why = choice.Pinned ? "its registry pin" : "the deployment's suite";
            throw new KeyMaterialException(ex.FilePath,
                $"Device '{choice.DeviceId}' seals in suite {choice.Suite.Name()} ({why}), which needs '{path}': {ex.Message}", ex);
        }
    }
}

/// <summary>
/// Where the sensor's keys of each suite come from (only the chosen suites' are read). Seed: the actuator's RSA public key
/// and each device's DSA private key; v2: the actuator's X25519 public key and each device's Ed25519 private key.
/// </summary>
public sealed record SenderKeyFiles(string? ActuatorPublicKey, string? ActuatorAgreementPublicKey, Func<string, string> SigningKey,
    Func<string, string> SuiteSigningKey);

/// <summary>
/// The secure pipeline's receiving side: the actuator's <see cref="SuiteGate"/> over the receivers of every suite some
/// registered device may use, each with its devices' public keys and a replay store that survives restarts.
/// </summary>
public sealed class SecureReceiverProtection(SuiteGate receiver) : IMessageProtection, IDisposable
{
    private readonly KeyValuePair<string, object?> _openTag = new(Attr.CryptoOperation, "open");

    public string Mode => "secure";

    public IReadOnlyList<string> SubscriptionFilters { get; } = [Topics.ReadingsFilter, Topics.KeysFilter];

    public SuiteGate Receiver => receiver;

    /// <summary>
    /// Replay and key state of every sender of both receivers, the suite named in each row, ordered by sender then suite. A
    /// v2 sender without a session key yet is named by the v2 suite it would send in (<see cref="SuitePolicy.SendingSuite"/>,
    /// else its first allowed v2 suite).
    /// </summary>
    public IReadOnlyList<ReplayWindowSnapshot> SnapshotReplayState()
    {
        var policy = receiver.Policy;
        var v2 = (receiver.V2?.SnapshotReplayState() ?? []).Select(row => row.Suite is not null ? row : row with
        {
            Suite = (policy.SendingSuite(row.SenderId) is var sending && SuiteFormat.IsV2Suite(sending)
                ? sending
                : policy.TryGetAllowed(row.SenderId, out var allowed) ? allowed.First(SuiteFormat.IsV2Suite) : policy.DeploymentSuite).Name(),
        });
        return [.. (receiver.Seed?.SnapshotReplayState() ?? []).Concat(v2)
            .OrderBy(row => row.SenderId, StringComparer.Ordinal).ThenBy(row => row.Suite, StringComparer.Ordinal)];
    }

    public IReadOnlyList<OutboundMessage> Protect(string deviceId, ReadOnlySpan<byte> reading) =>
        throw new InvalidOperationException("The actuator does not publish readings.");

    public void RenewSessionAtNextSend(string deviceId) =>
        throw new InvalidOperationException("The actuator does not publish readings.");

    public InboundVerdict Unprotect(string topic, ReadOnlySpan<byte> payload)
    {
        var started = Stopwatch.GetTimestamp();
        var result = receiver.Receive(topic, payload);
        SmartHomeTelemetry.CryptoDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, _openTag);
        var sender = result.SenderId ?? (Topics.TryGetDeviceId(topic, out var id) ? id : string.Empty);
        return result.Outcome switch
        {
            ReceiveOutcome.Data => InboundVerdict.Data(sender, result.Plaintext!),
            ReceiveOutcome.KeyAccepted => InboundVerdict.Control(sender, $"session key {result.KeyId} installed"),
            _ => InboundVerdict.Rejected(sender, result.Reason ?? RejectReasons.Malformed, result.Detail ?? string.Empty),
        };
    }

    public void Dispose() => receiver.Dispose();

    /// <summary>
    /// The actuator's receiver: its RSA private key (<paramref name="decryptionKey"/>), the public keys of the devices in
    /// <paramref name="registry"/> (a key file in the devices folder without a registry entry is not a trusted sender),
    /// replay state under <paramref name="stateDirectory"/>.
    /// </summary>
    public static SecureReceiverProtection Create(KeyStore keys, DeviceRegistry registry, string decryptionKey, string stateDirectory,
        TimeSpan freshness)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return Create(new SuitePolicy(CryptoSuite.Seed, registry), new ReceiverKeyFiles(() => keys, decryptionKey, null, null), stateDirectory, freshness);
    }

    /// <summary>
    /// The actuator's receiver for every suite in <see cref="SuitePolicy.InUse"/>: a suite nobody may use needs no keys, a
    /// suite somebody may use and whose keys are missing stops the start with a <see cref="KeyMaterialException"/> naming
    /// the file and the suite.
    /// </summary>
    public static SecureReceiverProtection Create(SuitePolicy policy, ReceiverKeyFiles files, string stateDirectory, TimeSpan freshness)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(files);
        Directory.CreateDirectory(stateDirectory);
        var options = new EnvelopeReceiverOptions
        {
            FreshnessWindow = freshness,
            // Data only on smarthome/readings/<id>, announcements only on smarthome/keys/<id> (docs/PROTOCOL.md).
            TopicRule = TopicRules.Strict(Topics.ReadingsPrefix, Topics.KeysPrefix),
            // Kept announcements let a restarted actuator decrypt the readings queued for it meanwhile.
            AnnouncementDirectory = Path.Combine(stateDirectory, "actuator-announcements"),
        };
        EnvelopeReceiver? seed = null;
        SuiteEnvelopeReceiver? v2 = null;
        var seedDevices = AllowedDevices(policy, s => s == CryptoSuite.Seed);
        if (seedDevices.Count > 0)
        {
            var keys = files.SeedKeys?.Invoke() ?? throw new InvalidOperationException("The seed suite is in use but no device public keys were given.");
            var senders = seedDevices.Select(id => new KeyValuePair<string, DSA>(id, keys.GetDevicePublicKey(id))).ToList();
            var rsa = KeyFiles.LoadRsa(files.DecryptionKey ?? throw new InvalidOperationException("The seed suite is in use but no RSA key was given."),
                requirePrivate: true);
            seed = new EnvelopeReceiver(rsa, senders, ReplayStore.OpenFile(Path.Combine(stateDirectory, "actuator-replay.bin")), options);
        }
        var v2Devices = AllowedDevices(policy, SuiteFormat.IsV2Suite);
        if (v2Devices.Count > 0)
        {
            string suites = string.Join(", ", policy.InUse.Where(SuiteFormat.IsV2Suite).Select(s => s.Name()));
            var agreementKey = WithSuite(suites, () => KeyFiles.LoadX25519Private(files.AgreementKey
                ?? throw new InvalidOperationException("A v2 suite is in use but no X25519 key was given.")));
            var senders = v2Devices.Select(id => new KeyValuePair<string, NSec.Cryptography.PublicKey>(id,
                WithSuite(suites, () => KeyFiles.LoadEd25519Public(KeyPaths.DeviceSuitePublicKeyIn(files.DevicesDirectory!, id))))).ToList();
            v2 = new SuiteEnvelopeReceiver(agreementKey, senders, ReplayStore.OpenFile(Path.Combine(stateDirectory, "actuator-replay-v2.bin")),
                // Its own folder, as it has its own replay file: v1 and v2 announcements of one device are kept apart.
                options with { AnnouncementDirectory = Path.Combine(stateDirectory, "actuator-announcements-v2") });
        }
        return new SecureReceiverProtection(new SuiteGate(policy, seed, v2));
    }

    private static List<string> AllowedDevices(SuitePolicy policy, Func<CryptoSuite, bool> suite) =>
        policy.Devices.Where(id => policy.TryGetAllowed(id, out var allowed) && allowed.Any(suite)).ToList();

    /// <summary>Names the suite that needed a missing or corrupt key file, so the operator knows why it is wanted.</summary>
    private static T WithSuite<T>(string suites, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (KeyMaterialException ex)
        {
            throw new KeyMaterialException(ex.FilePath, $"{ex.Message} (needed by suite {suites}: Security:Suite or a registry pin)", ex);
        }
    }
}

/// <summary>
/// Where the actuator's keys of each suite come from. Seed: the device DSA public keys (loaded only when some device may
/// use seed) and the RSA private key. v2: the X25519 private key and the folder of <c>{id}.ed25519.pub.pem</c>.
/// </summary>
public sealed record ReceiverKeyFiles(Func<KeyStore>? SeedKeys, string? DecryptionKey, string? AgreementKey, string? DevicesDirectory);
