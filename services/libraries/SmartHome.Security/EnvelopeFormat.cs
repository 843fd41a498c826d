using System.Buffers.Binary;
using System.Text;

namespace SmartHome.Security;

/// <summary>Message types of the secure envelope (byte 1 of every message).</summary>
public enum EnvelopeType : byte
{
    /// <summary>Session-key announcement: RSA-OAEP wrapped AES-256 key, DSA-signed.</summary>
    KeyAnnouncement = 0x01,
    /// <summary>Data message: AES-256-GCM ciphertext, DSA-signed.</summary>
    Data = 0x02,
    /// <summary>Acknowledgement (actuator to device): a plaintext acknowledgement body, DSA-signed by the actuator (<see cref="AckEnvelope"/>).</summary>
    Acknowledgement = 0x03,
}

/// <summary>
/// Wire-format constants of protocol version 1. docs/PROTOCOL.md is the normative description;
/// every number here appears there.
/// </summary>
public static class EnvelopeFormat
{
    /// <summary>Protocol version byte.</summary>
    public const byte Version = 0x01;
    /// <summary>Largest message (either type) a receiver will look at; larger ones are rejected as <c>oversize</c>.</summary>
    public const int MaxMessageSize = 4096;
    /// <summary>Longest sender id: the device id rule (<see cref="DeviceIds"/>, 1..48 of [a-z0-9-]).</summary>
    public const int MaxSenderIdLength = DeviceIds.MaxLength;
    /// <summary>Largest topic (UTF-8 bytes) bound into a message.</summary>
    public const int MaxTopicLength = 512;
    /// <summary>DSA-2048 (N = 256) signature, IEEE P1363 r||s, 32 bytes each.</summary>
    public const int SignatureSize = 64;
    /// <summary>AES-GCM tag size.</summary>
    public const int TagSize = 16;
    /// <summary>AES-GCM nonce size: 4-byte salt from the announcement || 8-byte counter (big-endian).</summary>
    public const int NonceSize = 12;
    /// <summary>Random salt carried in the announcement, the first 4 bytes of every nonce under that key.</summary>
    public const int SaltSize = 4;
    /// <summary>AES-256 session key size.</summary>
    public const int SessionKeySize = 32;
    /// <summary>Recipient key fingerprint: first 8 bytes of SHA-256(recipient SubjectPublicKeyInfo DER).</summary>
    public const int FingerprintSize = 8;

    /// <summary>
    /// Least time between the signed timestamps of two accepted announcements of one sender: a sender stamps its
    /// rotations at least this far apart, and a receiver refuses (unverified) an announcement stamped closer than this
    /// to the sender's last accepted one. Measured on the signed timestamps, not on arrival, so a broker that delivers
    /// two queued announcements back to back does not make a legit rotation fail.
    /// </summary>
    public const int MinAnnouncementIntervalMs = 200;

    /// <summary>Common header length without the sender id: version, type, id length, key id, counter, timestamp.</summary>
    internal const int FixedHeaderSize = 1 + 1 + 1 + 4 + 8 + 8;

    /// <summary>Bytes a data message adds around a plaintext for a sender id of the given length.</summary>
    public static int DataOverhead(int senderIdLength) => FixedHeaderSize + senderIdLength + 2 + TagSize + SignatureSize;

    /// <summary>Largest plaintext a data message can carry for a sender id of the given length.</summary>
    public static int MaxPlaintextLength(int senderIdLength) => MaxMessageSize - DataOverhead(senderIdLength);

    /// <summary>True if <paramref name="senderId"/> is a valid sender id: the device id rule, <see cref="DeviceIds.IsValid"/>.</summary>
    public static bool IsValidSenderId(ReadOnlySpan<char> senderId) => DeviceIds.IsValid(senderId);

    internal static bool IsIdChar(int c) => DeviceIds.IsValidChar(c);

    /// <summary>Writes the topic binding <c>u16be(len) || utf8(topic)</c>; returns bytes written or -1 if too long/empty.</summary>
    internal static int WriteTopicBinding(string topic, Span<byte> destination)
    {
        if (topic.Length == 0 || topic.Length > MaxTopicLength * 3)
        {
            return -1;
        }
        if (!Encoding.UTF8.TryGetBytes(topic, destination[2..], out int n) || n > MaxTopicLength)
        {
            return -1;
        }
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)n);
        return n + 2;
    }

    /// <summary>Nonce = salt(4) || u64be(counter).</summary>
    internal static void WriteNonce(ReadOnlySpan<byte> salt, ulong counter, Span<byte> nonce)
    {
        salt.CopyTo(nonce);
        BinaryPrimitives.WriteUInt64BigEndian(nonce[SaltSize..], counter);
    }
}

/// <summary>Zero-copy view of a parsed message (offsets into the caller's buffer).</summary>
internal readonly ref struct ParsedEnvelope
{
    public EnvelopeType Type { get; init; }
    public ReadOnlySpan<byte> SenderId { get; init; }
    public uint KeyId { get; init; }
    public ulong Counter { get; init; }
    public long TimestampMs { get; init; }
    /// <summary>Data: header bytes that start the AAD (everything before the ciphertext).</summary>
    public ReadOnlySpan<byte> Header { get; init; }
    public ReadOnlySpan<byte> Ciphertext { get; init; }
    public ReadOnlySpan<byte> Tag { get; init; }
    public ReadOnlySpan<byte> Salt { get; init; }
    public ReadOnlySpan<byte> Fingerprint { get; init; }
    public ReadOnlySpan<byte> WrappedKey { get; init; }
    /// <summary>Every byte before the signature.</summary>
    public ReadOnlySpan<byte> Signed { get; init; }
    public ReadOnlySpan<byte> Signature { get; init; }

    /// <summary>
    /// Structural parse. Never throws; on failure returns false with a constant detail string.
    /// Checks exact lengths so that a message has exactly one parse.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> wire, out ParsedEnvelope parsed, out string detail)
    {
        parsed = default;
        if (wire.Length < EnvelopeFormat.FixedHeaderSize + 1)
        {
            detail = "shorter than the fixed header";
            return false;
        }
        if (wire[0] != EnvelopeFormat.Version)
        {
            detail = "unsupported protocol version";
            return false;
        }
        byte type = wire[1];
        if (type is not ((byte)EnvelopeType.KeyAnnouncement or (byte)EnvelopeType.Data))
        {
            detail = "unknown message type";
            return false;
        }
        int idLen = wire[2];
        if (idLen is 0 or > EnvelopeFormat.MaxSenderIdLength)
        {
            detail = "sender id length out of range";
            return false;
        }
        int h = EnvelopeFormat.FixedHeaderSize + idLen;
        if (wire.Length < h)
        {
            detail = "truncated header";
            return false;
        }
        ReadOnlySpan<byte> id = wire.Slice(3, idLen);
        foreach (byte b in id)
        {
            if (!EnvelopeFormat.IsIdChar(b))
            {
                detail = "sender id has a character outside [a-z0-9-]";
                return false;
            }
        }
        uint keyId = BinaryPrimitives.ReadUInt32BigEndian(wire[(3 + idLen)..]);
        ulong counter = BinaryPrimitives.ReadUInt64BigEndian(wire[(7 + idLen)..]);
        long ts = BinaryPrimitives.ReadInt64BigEndian(wire[(15 + idLen)..]);
        if (keyId == 0)
        {
            detail = "key id 0 is reserved";
            return false;
        }
        if (counter == 0)
        {
            detail = "counter 0 is reserved";
            return false;
        }

        if (type == (byte)EnvelopeType.Data)
        {
            if (wire.Length < h + 2)
            {
                detail = "truncated header";
                return false;
            }
            int n = BinaryPrimitives.ReadUInt16BigEndian(wire[h..]);
            int total = h + 2 + n + EnvelopeFormat.TagSize + EnvelopeFormat.SignatureSize;
            if (total != wire.Length)
            {
                detail = "ciphertext length does not match message length";
                return false;
            }
            int ctOff = h + 2;
            int sigOff = ctOff + n + EnvelopeFormat.TagSize;
            parsed = new ParsedEnvelope
            {
                Type = EnvelopeType.Data,
                SenderId = id,
                KeyId = keyId,
                Counter = counter,
                TimestampMs = ts,
                Header = wire[..ctOff],
                Ciphertext = wire.Slice(ctOff, n),
                Tag = wire.Slice(ctOff + n, EnvelopeFormat.TagSize),
                Signed = wire[..sigOff],
                Signature = wire[sigOff..],
            };
        }
        else
        {
            int fixedBody = EnvelopeFormat.SaltSize + EnvelopeFormat.FingerprintSize + 2;
            if (wire.Length < h + fixedBody)
            {
                detail = "truncated announcement";
                return false;
            }
            int w = BinaryPrimitives.ReadUInt16BigEndian(wire[(h + EnvelopeFormat.SaltSize + EnvelopeFormat.FingerprintSize)..]);
            int wrapOff = h + fixedBody;
            if (w is < 128 or > 512 || wrapOff + w + EnvelopeFormat.SignatureSize != wire.Length)
            {
                detail = "wrapped key length does not match message length";
                return false;
            }
            int sigOff = wrapOff + w;
            parsed = new ParsedEnvelope
            {
                Type = EnvelopeType.KeyAnnouncement,
                SenderId = id,
                KeyId = keyId,
                Counter = counter,
                TimestampMs = ts,
                Header = wire[..h],
                Salt = wire.Slice(h, EnvelopeFormat.SaltSize),
                Fingerprint = wire.Slice(h + EnvelopeFormat.SaltSize, EnvelopeFormat.FingerprintSize),
                WrappedKey = wire.Slice(wrapOff, w),
                Signed = wire[..sigOff],
                Signature = wire[sigOff..],
            };
        }
        detail = string.Empty;
        return true;
    }
}

/// <summary>Stable, lowercase reject reasons: used as-is in logs, span attributes and metric tags.</summary>
public static class RejectReasons
{
    /// <summary>Not a well-formed v1 message (version, type, lengths, id charset, topic, wrapped key length).</summary>
    public const string Malformed = "malformed";
    /// <summary>Larger than <see cref="EnvelopeFormat.MaxMessageSize"/>.</summary>
    public const string Oversize = "oversize";
    /// <summary>Sender id not in the receiver's directory.</summary>
    public const string UnknownSender = "unknown-sender";
    /// <summary>Topic does not belong to the sender id in the message (moved message).</summary>
    public const string WrongTopic = "wrong-topic";
    /// <summary>Data under a key id the receiver has not accepted, or an announcement wrapped for another recipient key.</summary>
    public const string UnknownKey = "unknown-key";
    /// <summary>Counter already seen or below the replay window.</summary>
    public const string Replay = "replay";
    /// <summary>Timestamp outside the freshness window.</summary>
    public const string Stale = "stale";
    /// <summary>DSA signature does not verify under the sender's public key.</summary>
    public const string BadSignature = "bad-signature";
    /// <summary>AES-GCM authentication failed.</summary>
    public const string GcmTag = "gcm-tag";
    /// <summary>Validly signed announcement whose wrapped key does not unwrap to a 32-byte key.</summary>
    public const string BadKey = "bad-key";
    /// <summary>
    /// Announcement refused before its DSA check because too many of this sender's (or all senders')
    /// announcements failed verification in the last second: a flood cannot buy unlimited DSA work.
    /// </summary>
    public const string RateLimited = "rate-limited";
    /// <summary>
    /// The message's suite (v1 = seed, v2 = its suite byte) is not one the receiver allows for that device, or data claims
    /// another suite than its session key was announced in: refused before any cryptography, so no downgrade is tried.
    /// </summary>
    public const string SuiteNotAllowed = "suite-not-allowed";

    /// <summary>All reasons, for metric pre-registration and dashboards.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Malformed, Oversize, UnknownSender, WrongTopic, UnknownKey, Replay, Stale, BadSignature, GcmTag, BadKey, RateLimited, SuiteNotAllowed];
}
