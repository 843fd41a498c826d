using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace SmartHome.EmbeddedBroker.Persistence;

/// <summary>A message as the store keeps it (a queued, in-flight or retained copy), MQTT 5 properties included.</summary>
public sealed record StoredMessage(
    string Topic,
    byte[] Payload,
    int Qos,
    bool Retain,
    uint MessageExpiryInterval,
    string? ContentType,
    string? ResponseTopic,
    byte[]? CorrelationData,
    int PayloadFormat,
    List<StoredUserProperty>? UserProperties)
{
    public static StoredMessage From(MqttApplicationMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return new StoredMessage(message.Topic, message.Payload.ToArray(), (int)message.QualityOfServiceLevel, message.Retain,
            message.MessageExpiryInterval, message.ContentType, message.ResponseTopic, message.CorrelationData,
            (int)message.PayloadFormatIndicator, message.UserProperties?.Select(p => new StoredUserProperty(p.Name, p.ValueBuffer.ToArray())).ToList());
    }

    public static StoredMessage From(MqttPublishPacket packet) =>
        From(MQTTnet.Formatter.MqttApplicationMessageFactory.Create(packet));

    public MqttApplicationMessage ToMessage() => new()
    {
        Topic = Topic,
        PayloadSegment = new ArraySegment<byte>(Payload),
        QualityOfServiceLevel = (MqttQualityOfServiceLevel)Qos,
        Retain = Retain,
        MessageExpiryInterval = MessageExpiryInterval,
        ContentType = ContentType,
        ResponseTopic = ResponseTopic,
        CorrelationData = CorrelationData,
        PayloadFormatIndicator = (MqttPayloadFormatIndicator)PayloadFormat,
        UserProperties = UserProperties?.Select(p => new MqttUserProperty(p.Name, new ReadOnlyMemory<byte>(p.Value))).ToList(),
    };
}

public sealed record StoredUserProperty(string Name, byte[] Value);

public sealed record StoredSubscription(string Topic, int Qos, bool NoLocal, bool RetainAsPublished, int RetainHandling)
{
    public MqttTopicFilter ToFilter() => new()
    {
        Topic = Topic,
        QualityOfServiceLevel = (MqttQualityOfServiceLevel)Qos,
        NoLocal = NoLocal,
        RetainAsPublished = RetainAsPublished,
        RetainHandling = (MqttRetainHandling)RetainHandling,
    };
}

/// <summary>One persistent session: who it is, what it subscribed to, and its messages not yet acknowledged, oldest first.</summary>
public sealed record StoredSession(string ClientId, string? UserName, uint ExpiryInterval, List<StoredSubscription> Subscriptions, List<StoredMessage> Pending);

/// <summary>
/// The embedded broker's persistence file (<c>persistence_location</c>/<c>persistence_file</c>, JSON): retained messages
/// and persistent sessions. Written like Mosquitto writes mosquitto.db: to a new file, flushed to the disk, then renamed
/// over the old one, so a crash during a save leaves the previous store intact.
/// </summary>
public sealed record BrokerStore(int Version, DateTimeOffset SavedAt, List<StoredMessage> Retained, List<StoredSession> Sessions)
{
    public const int CurrentVersion = 1;

    public static BrokerStore Empty => new(CurrentVersion, DateTimeOffset.MinValue, [], []);

    /// <summary>The store at <paramref name="path"/>, or <see cref="Empty"/> when there is none yet.</summary>
    public static BrokerStore Load(string path)
    {
        if (!File.Exists(path))
        {
            return Empty;
        }

        using var stream = File.OpenRead(path);
        var store = JsonSerializer.Deserialize(stream, BrokerStoreJson.Default.BrokerStore)
                    ?? throw new FormatException($"{path} is empty.");
        return store.Version == CurrentVersion ? store : throw new FormatException($"{path} has store version {store.Version}, expected {CurrentVersion}.");
    }

    public void Save(string path)
    {
        var temporary = path + ".new";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(stream, this, BrokerStoreJson.Default.BrokerStore);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}

[JsonSerializable(typeof(BrokerStore))]
internal sealed partial class BrokerStoreJson : JsonSerializerContext;
