using System.Text;

namespace SmartHome.Messaging;

/// <summary>The actuator's final word on one reading: applied (now or before), or refused for good with a reason.</summary>
public sealed record AckEntry(string MessageId, bool Applied, string? Reason)
{
    public static AckEntry ForApplied(string messageId) => new(messageId, true, null);

    public static AckEntry ForRejected(string messageId, string reason) => new(messageId, false, reason);
}

/// <summary>
/// The acknowledgement body, the same bytes on both pipelines (docs/PROTOCOL.md, "Acknowledgement"): the whole MQTT
/// payload on the insecure pipeline, the signed body of an acknowledgement envelope on the secure one.
/// <code>
/// 0x01 (format) ‖ n (1..32) ‖ n × [ verdict (0x01 applied | 0x02 rejected) ‖ m (1..64) ‖ messageId[m] ‖ r (0..32) ‖ reason[r] ]
/// </code>
/// r is 0 exactly when the verdict is applied. Nothing else is allowed: every body has a single parse.
/// </summary>
public static class AckBody
{
    public const byte Format = 0x01;
    public const byte VerdictApplied = 0x01;
    public const byte VerdictRejected = 0x02;
    public const int MaxEntries = 32;
    public const int MaxReasonLength = 32;

    /// <summary>Largest body: 2 + 32 × (3 + 64 + 32) = 3,170 bytes, within one acknowledgement envelope.</summary>
    public const int MaxLength = 2 + MaxEntries * (3 + DeviceReading.MaxMessageIdLength + MaxReasonLength);

    public static byte[] Encode(IReadOnlyList<AckEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count is 0 or > MaxEntries)
        {
            throw new ArgumentException($"An acknowledgement holds 1..{MaxEntries} entries.", nameof(entries));
        }

        using var buffer = new MemoryStream(64 * entries.Count);
        buffer.WriteByte(Format);
        buffer.WriteByte((byte)entries.Count);
        foreach (var entry in entries)
        {
            if (!DeviceReading.IsValidMessageId(entry.MessageId))
            {
                throw new ArgumentException($"'{entry.MessageId}' is not a valid message id.", nameof(entries));
            }

            var reason = entry.Applied ? string.Empty : entry.Reason ?? string.Empty;
            if (!entry.Applied && !IsValidReason(reason))
            {
                throw new ArgumentException($"'{reason}' is not a valid reject reason (1..{MaxReasonLength} of [a-z-]).", nameof(entries));
            }

            buffer.WriteByte(entry.Applied ? VerdictApplied : VerdictRejected);
            buffer.WriteByte((byte)entry.MessageId.Length);
            buffer.Write(Encoding.ASCII.GetBytes(entry.MessageId));
            buffer.WriteByte((byte)reason.Length);
            buffer.Write(Encoding.ASCII.GetBytes(reason));
        }

        return buffer.ToArray();
    }

    /// <summary>Parses a body; never throws on any input.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> body, out List<AckEntry> entries, out string error)
    {
        entries = [];
        if (body.Length < 2 || body.Length > MaxLength)
        {
            error = "body length out of range";
            return false;
        }

        if (body[0] != Format)
        {
            error = "unknown acknowledgement format";
            return false;
        }

        int n = body[1];
        if (n is 0 or > MaxEntries)
        {
            error = "entry count out of range";
            return false;
        }

        int at = 2;
        for (int i = 0; i < n; i++)
        {
            if (at + 2 > body.Length)
            {
                error = "truncated entry";
                return false;
            }

            byte verdict = body[at];
            int m = body[at + 1];
            if (verdict is not (VerdictApplied or VerdictRejected) || m is 0 or > DeviceReading.MaxMessageIdLength || at + 2 + m + 1 > body.Length)
            {
                error = "bad verdict or message id length";
                return false;
            }

            var id = Encoding.ASCII.GetString(body.Slice(at + 2, m));
            int r = body[at + 2 + m];
            int end = at + 3 + m + r;
            if (!DeviceReading.IsValidMessageId(id) || r > MaxReasonLength || end > body.Length
                || (verdict == VerdictApplied) != (r == 0))
            {
                error = "bad message id or reason";
                return false;
            }

            var reason = r == 0 ? null : Encoding.ASCII.GetString(body.Slice(at + 3 + m, r));
            if (reason is not null && !IsValidReason(reason))
            {
                error = "reason outside [a-z-]";
                return false;
            }

            entries.Add(new AckEntry(id, verdict == VerdictApplied, reason));
            at = end;
        }

        if (at != body.Length)
        {
            error = "trailing bytes";
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static bool IsValidReason(string reason) =>
        reason.Length is > 0 and <= MaxReasonLength && reason.All(c => c is (>= 'a' and <= 'z') or '-');
}

/// <summary>
/// How acknowledgements are protected on a pipeline: plain bodies on the insecure one, actuator-signed, replay-protected
/// envelopes on the secure one (<see cref="SmartHome.Security.AckSigner"/>, <see cref="SmartHome.Security.AckVerifier"/>).
/// </summary>
public interface IAckProtection
{
    /// <summary>Actuator: the message acknowledging <paramref name="body"/> to <paramref name="deviceId"/>.</summary>
    OutboundMessage Seal(string deviceId, byte[] body);

    /// <summary>Device: the acknowledged entries of a received message, or the reason it is refused. Never throws.</summary>
    AckOpenResult Open(string topic, ReadOnlySpan<byte> payload);
}

/// <summary>Result of <see cref="IAckProtection.Open"/>.</summary>
public sealed record AckOpenResult(string DeviceId, IReadOnlyList<AckEntry>? Entries, string? Reason, string? Detail)
{
    public bool Accepted => Entries is not null;

    public static AckOpenResult Reject(string deviceId, string reason, string detail) => new(deviceId, null, reason, detail);
}

/// <summary>The insecure pipeline's acknowledgements: the body as is; anyone who reaches the broker can forge one, by design.</summary>
public sealed class PlaintextAckProtection : IAckProtection
{
    public OutboundMessage Seal(string deviceId, byte[] body) => new(Topics.Acks(deviceId), body);

    public AckOpenResult Open(string topic, ReadOnlySpan<byte> payload)
    {
        if (!Topics.TryGetAckDeviceId(topic, out var device))
        {
            return AckOpenResult.Reject(string.Empty, RejectReasons.UnexpectedTopic, "not an acknowledgement topic");
        }

        return AckBody.TryDecode(payload, out var entries, out var error)
            ? new AckOpenResult(device, entries, null, null)
            : AckOpenResult.Reject(device, RejectReasons.Malformed, error);
    }
}
