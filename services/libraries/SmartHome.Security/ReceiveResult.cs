namespace SmartHome.Security;

/// <summary>What <see cref="EnvelopeReceiver.Receive"/> decided.</summary>
public enum ReceiveOutcome
{
    /// <summary>The message was rejected; see <see cref="ReceiveResult.Reason"/>.</summary>
    Rejected = 0,
    /// <summary>A session-key announcement was verified and its key installed.</summary>
    KeyAccepted = 1,
    /// <summary>A data message was verified and decrypted; see <see cref="ReceiveResult.Plaintext"/>.</summary>
    Data = 2,
}

/// <summary>
/// Typed result of receiving one message. A struct: the only allocation of an accepted data message is
/// its plaintext array. <see cref="Reason"/> is one of <see cref="RejectReasons"/>; <see cref="Detail"/> is a
/// constant human-readable sentence (never attacker-controlled text).
/// </summary>
public readonly record struct ReceiveResult
{
    public ReceiveOutcome Outcome { get; init; }
    /// <summary>Sender id (the receiver's own string instance) once the sender is known, else null.</summary>
    public string? SenderId { get; init; }
    public ulong Counter { get; init; }
    public uint KeyId { get; init; }
    /// <summary>Sender's timestamp (from the message; only meaningful for accepted messages).</summary>
    public DateTimeOffset Timestamp { get; init; }
    /// <summary>Decrypted reading, for <see cref="ReceiveOutcome.Data"/> only.</summary>
    public byte[]? Plaintext { get; init; }
    /// <summary>Stable reject reason (<see cref="RejectReasons"/>), null when accepted.</summary>
    public string? Reason { get; init; }
    /// <summary>Constant explanation of the rejection, null when accepted.</summary>
    public string? Detail { get; init; }

    public bool IsAccepted => Outcome != ReceiveOutcome.Rejected;

    public static ReceiveResult Reject(string reason, string detail, string? senderId = null) =>
        new() { Outcome = ReceiveOutcome.Rejected, Reason = reason, Detail = detail, SenderId = senderId };

    public override string ToString() => Outcome switch
    {
        ReceiveOutcome.Rejected => $"Rejected({Reason}: {Detail})",
        ReceiveOutcome.KeyAccepted => $"KeyAccepted({SenderId}, key {KeyId}, counter {Counter})",
        _ => $"Data({SenderId}, counter {Counter}, {Plaintext?.Length} bytes)",
    };
}

/// <summary>Decides whether a message of <paramref name="type"/> from <paramref name="senderId"/> may arrive on <paramref name="topic"/>.</summary>
public delegate bool TopicRule(string topic, string senderId, EnvelopeType type);

/// <summary>Topic conventions and topic-to-sender rules.</summary>
public static class TopicRules
{
    /// <summary>Data topic of a sender: <c>smarthome/readings/{senderId}</c>.</summary>
    public static string Readings(string senderId) => "smarthome/readings/" + senderId;

    /// <summary>Announcement topic of a sender: <c>smarthome/keys/{senderId}</c>.</summary>
    public static string Keys(string senderId) => "smarthome/keys/" + senderId;

    /// <summary>Default rule: the topic's last segment equals the sender id (ordinal).</summary>
    public static TopicRule LastSegmentIsSender { get; } = static (topic, senderId, _) =>
    {
        int slash = topic.LastIndexOf('/');
        return topic.AsSpan(slash + 1).Equals(senderId, StringComparison.Ordinal);
    };

    /// <summary>
    /// Strict rule: data only on <c>{dataPrefix}{senderId}</c>, announcements only on <c>{keyPrefix}{senderId}</c>.
    /// </summary>
    public static TopicRule Strict(string dataPrefix = "smarthome/readings/", string keyPrefix = "smarthome/keys/") =>
        (topic, senderId, type) =>
        {
            string prefix = type == EnvelopeType.Data ? dataPrefix : keyPrefix;
            return topic.Length == prefix.Length + senderId.Length
                && topic.StartsWith(prefix, StringComparison.Ordinal)
                && topic.AsSpan(prefix.Length).Equals(senderId, StringComparison.Ordinal);
        };
}
