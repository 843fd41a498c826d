namespace SmartHome.Messaging;

/// <summary>
/// The seam between the two pipelines: the insecure pipeline plugs in <see cref="PlaintextProtection"/>,
/// the secure one the envelope of SmartHome.Security. Sensor and actuator code is otherwise identical.
/// </summary>
public interface IMessageProtection
{
    /// <summary>"plaintext" or "secure"; recorded on spans.</summary>
    string Mode { get; }

    /// <summary>Topic filters the receiver must subscribe to (readings, and key announcements if any).</summary>
    IReadOnlyList<string> SubscriptionFilters { get; }

    /// <summary>
    /// Turns one serialized reading of <paramref name="deviceId"/> into the messages to publish, in order
    /// (a secure sender may first announce a new session key).
    /// </summary>
    IReadOnlyList<OutboundMessage> Protect(string deviceId, ReadOnlySpan<byte> reading);

    /// <summary>
    /// The next <see cref="Protect"/> for <paramref name="deviceId"/> starts a new session and carries what announces it
    /// (secure: a fresh session key's announcement), for a receiver that may have missed the current one; nothing where
    /// there are no sessions.
    /// </summary>
    void RenewSessionAtNextSend(string deviceId);

    /// <summary>Judges one received message; never throws on any input.</summary>
    InboundVerdict Unprotect(string topic, ReadOnlySpan<byte> payload);
}

/// <summary>One MQTT message to publish.</summary>
public sealed record OutboundMessage(string Topic, byte[] Payload, bool Retain = false);

public enum InboundKind
{
    /// <summary>A reading to act on; <see cref="InboundVerdict.Plaintext"/> holds it.</summary>
    Data,

    /// <summary>A protocol message that was accepted (e.g. a session-key announcement); nothing to apply.</summary>
    Control,

    /// <summary>Refused; <see cref="InboundVerdict.Reason"/> says why.</summary>
    Rejected,
}

/// <summary>Outcome of <see cref="IMessageProtection.Unprotect"/>.</summary>
public sealed record InboundVerdict(InboundKind Kind, string SenderId, byte[]? Plaintext, string? Reason, string? Detail)
{
    public static InboundVerdict Data(string senderId, byte[] plaintext) => new(InboundKind.Data, senderId, plaintext, null, null);

    public static InboundVerdict Control(string senderId, string detail) => new(InboundKind.Control, senderId, null, null, detail);

    public static InboundVerdict Rejected(string senderId, string reason, string detail) => new(InboundKind.Rejected, senderId, null, reason, detail);
}

/// <summary>Stable reject reasons shared by both pipelines (every one is listed in docs/PROTOCOL.md, "Decisions").</summary>
public static class RejectReasons
{
    public const string Malformed = "malformed";
    public const string Oversize = "oversize";
    public const string UnknownSender = "unknown-sender";
    public const string UnknownKey = "unknown-key";
    public const string BadSignature = "bad-signature";
    public const string GcmTag = "gcm-tag";
    public const string Replay = "replay";
    public const string Stale = "stale";
    public const string SenderMismatch = "sender-mismatch";
    public const string UnexpectedTopic = "unexpected-topic";

    /// <summary>A transport redelivery (flagged) of a reading already applied, dropped by message id.</summary>
    public const string Duplicate = "duplicate";

    /// <summary>The reading's kind is not the sender's registered kind (a smart plug asking to unlock the door).</summary>
    public const string NotPermitted = "not-permitted";

    /// <summary>The value is outside the plausible range (or set of values) registered for the sender.</summary>
    public const string Implausible = "implausible";

    /// <summary>The sender is over its registered rate (readings) or announcement budget.</summary>
    public const string RateLimited = "rate-limited";

    /// <summary>
    /// Older than readings of the sender the actuator's applied journal no longer remembers: it cannot prove the reading
    /// was not applied already, so it refuses it (reported to the device as a loss) rather than risk a second application.
    /// </summary>
    public const string Expired = "expired";
}
