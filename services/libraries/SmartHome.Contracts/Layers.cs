namespace SmartHome.Contracts;

/// <summary>The layer that stopped an attempt (the keys of <see cref="AttackResult.BlockedBy"/>; the home console labels rejections with them).</summary>
public static class Layers
{
    public const string BrokerAuth = "broker-auth";
    public const string Acl = "acl";
    public const string Tls = "tls";
    public const string Encryption = "encryption";
    public const string Signature = "signature";
    public const string GcmTag = "gcm-tag";
    public const string ReplayWindow = "replay-window";
    public const string TopicBinding = "topic-binding";
    public const string Parser = "parser";
    public const string RateLimit = "rate-limit";
    public const string ClientIdBinding = "client-id-binding";

    /// <summary>The device registry: the sender may not send this kind of reading.</summary>
    public const string Authorization = "authorization";

    /// <summary>The device registry: the value is outside what such a device can report.</summary>
    public const string Plausibility = "plausibility";

    /// <summary>Public-key work the actuator did on an announcement within the sender's announcement budget.</summary>
    public const string AnnouncementBudget = "announcement-budget";

    /// <summary>The actuator dropped a copy flagged as a transport redelivery of a reading it already applied.</summary>
    public const string RedeliveryFilter = "redelivery-filter";

    /// <summary>The message was published but the actuator never saw it and the broker gave no reason.</summary>
    public const string NotDelivered = "not-delivered";

    /// <summary>Maps an actuator reject reason to the layer that produced it.</summary>
    public static string FromRejectReason(string? reason) => reason switch
    {
        "bad-signature" or "unknown-sender" or "unknown-key" => Signature,
        "gcm-tag" or "bad-key" => GcmTag,
        "replay" or "stale" => ReplayWindow,
        "malformed" or "oversize" => Parser,
        "wrong-topic" or "unexpected-topic" or "sender-mismatch" => TopicBinding,
        "rate-limited" => RateLimit,
        "not-permitted" => Authorization,
        "implausible" => Plausibility,
        "duplicate" => RedeliveryFilter,
        null or "" => "unknown",
        _ => reason,
    };
}
