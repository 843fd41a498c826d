using System.Diagnostics;
using System.Security.Cryptography;
using SmartHome.Security;
using SmartHome.ServiceDefaults;
using Attr = SmartHome.ServiceDefaults.SmartHomeTelemetry.Attributes;

namespace SmartHome.Messaging.Secure;

/// <summary>
/// The secure pipeline's sending side: one <see cref="EnvelopeSender"/> per device (its own DSA key,
/// session key and persisted counter). Announcements are retained so a restarted actuator learns the
/// current session key from the broker.
/// </summary>
public sealed class SecureSenderProtection : IMessageProtection, IDisposable
{
    private readonly Dictionary<string, EnvelopeSender> _senders;
    private readonly KeyValuePair<string, object?> _sealTag = new(Attr.CryptoOperation, "seal");
    private readonly KeyValuePair<string, object?> _announceTag = new(Attr.CryptoOperation, "announce");

    public SecureSenderProtection(IReadOnlyDictionary<string, EnvelopeSender> senders) =>
        _senders = new Dictionary<string, EnvelopeSender>(senders, StringComparer.Ordinal);

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

    private EnvelopeSender GetSender(string deviceId) =>
        _senders.TryGetValue(deviceId, out var sender)
            ? sender
            : throw new InvalidOperationException($"No signing key for device '{deviceId}' in keys/devices (run KeyGen).");

    /// <summary>
    /// Builds one sender per entry of <paramref name="signingKeys"/> (device id → its DSA private key file) for the
    /// actuator's public key in <paramref name="actuatorPublicKey"/>, with counters persisted in <paramref name="stateDirectory"/>.
    /// </summary>
    public static SecureSenderProtection Create(string actuatorPublicKey, IReadOnlyDictionary<string, string> signingKeys,
        string stateDirectory, RotationPolicy rotation)
    {
        var counters = CounterStore.InDirectory(Path.Combine(stateDirectory, "sensor-counters"));
        var senders = new Dictionary<string, EnvelopeSender>(StringComparer.Ordinal);
        foreach (var (deviceId, signingKey) in signingKeys)
        {
            var publicRecipient = KeyFiles.LoadRsa(actuatorPublicKey, requirePrivate: false);
            senders[deviceId] = new EnvelopeSender(deviceId, KeyFiles.LoadDsa(signingKey, requirePrivate: true), publicRecipient, rotation, counters,
                TimeProvider.System, Topics.Keys(deviceId));
        }

        return new SecureSenderProtection(senders);
    }
}

/// <summary>
/// The secure pipeline's receiving side: the actuator's <see cref="EnvelopeReceiver"/> with every known
/// device's DSA public key and a replay store that survives restarts.
/// </summary>
public sealed class SecureReceiverProtection(EnvelopeReceiver receiver) : IMessageProtection, IDisposable
{
    private readonly KeyValuePair<string, object?> _openTag = new(Attr.CryptoOperation, "open");

    public string Mode => "secure";

    public IReadOnlyList<string> SubscriptionFilters { get; } = [Topics.ReadingsFilter, Topics.KeysFilter];

    public EnvelopeReceiver Receiver => receiver;

    public IReadOnlyList<OutboundMessage> Protect(string deviceId, ReadOnlySpan<byte> reading) =>
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
        ArgumentNullException.ThrowIfNull(registry);
        var senders = registry.Devices.Keys
            .Select(id => new KeyValuePair<string, DSA>(id, keys.GetDevicePublicKey(id)))
            .ToList();
        var rsa = KeyFiles.LoadRsa(decryptionKey, requirePrivate: true);
        Directory.CreateDirectory(stateDirectory);
        var replay = ReplayStore.OpenFile(Path.Combine(stateDirectory, "actuator-replay.bin"));
        var receiver = new EnvelopeReceiver(rsa, senders, replay,
            new EnvelopeReceiverOptions
            {
                FreshnessWindow = freshness,
                // Data only on smarthome/readings/<id>, announcements only on smarthome/keys/<id> (docs/PROTOCOL.md).
                TopicRule = TopicRules.Strict(Topics.ReadingsPrefix, Topics.KeysPrefix),
                // Kept announcements let a restarted actuator decrypt the readings queued for it meanwhile.
                AnnouncementDirectory = Path.Combine(stateDirectory, "actuator-announcements"),
            });
        return new SecureReceiverProtection(receiver);
    }
}
