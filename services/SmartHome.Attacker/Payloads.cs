using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using SmartHome.Messaging;
using SmartHome.Security;

namespace SmartHome.Attacker;

/// <summary>Builders of attack payloads. Pure functions of their inputs (plus fresh randomness), unit-tested.</summary>
public static class Payloads
{
    /// <summary>A forged plaintext reading claiming to come from <paramref name="deviceId"/>.</summary>
    public static DeviceReading ForgedReading(string deviceId, double value, long nowMicros) =>
        new(MessageId: "forged-" + Guid.NewGuid().ToString("N")[..20], DeviceId: deviceId, Kind: KindOf(deviceId),
            Value: value, Sequence: 1, SentAtMicros: nowMicros);

    public static DeviceKind KindOf(string deviceId) => deviceId switch
    {
        _ when deviceId.StartsWith("door-", StringComparison.Ordinal) => DeviceKind.Door,
        _ when deviceId.StartsWith("smoke-", StringComparison.Ordinal) => DeviceKind.Smoke,
        _ when deviceId.StartsWith("plug-", StringComparison.Ordinal) => DeviceKind.Power,
        _ => DeviceKind.Temperature,
    };

    /// <summary>
    /// Tampers with a captured plaintext reading: the same message (id, device, sequence) with a different value.
    /// Returns null when the capture is not a readable reading (e.g. ciphertext).
    /// </summary>
    public static (byte[] Payload, double NewValue)? TamperPlaintext(ReadOnlySpan<byte> captured)
    {
        if (!DeviceReading.TryParse(captured, out var reading, out _))
        {
            return null;
        }

        var newValue = TamperedValue(reading!.Kind, reading.Value);
        var changed = reading with { Value = newValue };
        return (changed.ToUtf8Json(), newValue);
    }

    /// <summary>
    /// A value that differs from <paramref name="value"/>, flips the home's rule for that kind, and stays plausible for
    /// such a device (the actuator refuses implausible values, and a real attacker knows what a sensor can report).
    /// </summary>
    public static double TamperedValue(DeviceKind kind, double value) => kind switch
    {
        DeviceKind.Temperature => value < 19.5 ? 25.0 : 15.0,
        DeviceKind.Door => value < 0.5 ? 1.0 : 0.0,
        DeviceKind.Smoke => value >= 10 ? 0.0 : 50.0,
        _ => value > 2500 ? 100.0 : 3000.0,
    };

    /// <summary>
    /// Tampers with a captured envelope: one ciphertext bit flipped, and a fresh counter and timestamp so the
    /// forgery gets past the replay window and must face the signature. Returns null when it is not an envelope.
    /// </summary>
    public static byte[]? TamperEnvelope(ReadOnlySpan<byte> captured, ulong freshCounter, long nowMs)
    {
        if (!EnvelopeHeader.TryRead(captured, out var header) || header.Type != 2 || captured.Length < header.Length + 2 + 16 + 64)
        {
            return null;
        }

        var copy = captured.ToArray();
        EnvelopeHeader.Rewrite(copy, header, freshCounter, nowMs);
        var ciphertextStart = header.Length + 2;
        copy[ciphertextStart] ^= 0x01;
        return copy;
    }

    /// <summary>Malformed payload number <paramref name="index"/> (cycles through a fixed catalogue).</summary>
    public static byte[] Malformed(int index)
    {
        var catalogue = MalformedCatalogue;
        return catalogue[index % catalogue.Count]();
    }

    public static int MalformedKinds => MalformedCatalogue.Count;

    private static readonly IReadOnlyList<Func<byte[]>> MalformedCatalogue =
    [
        () => [],
        () => "{"u8.ToArray(),
        () => "null"u8.ToArray(),
        () => "[1,2,3]"u8.ToArray(),
        () => "{\"messageId\":\"x\",\"deviceId\":\"temp-living\",\"kind\":\"temperature\",\"value\":\"hot\"}"u8.ToArray(),
        () => "{\"messageId\":\"x\",\"deviceId\":\"../../etc\",\"kind\":\"temperature\",\"value\":1}"u8.ToArray(),
        () => "{\"messageId\":\"x\",\"deviceId\":\"temp-living\",\"kind\":\"plasma\",\"value\":1}"u8.ToArray(),
        () => "{\"messageId\":\"x\",\"deviceId\":\"temp-living\",\"kind\":\"temperature\",\"value\":1e400}"u8.ToArray(),
        () => [0xC3, 0x28, 0xFF, 0xFE, 0x00],
        () => Encoding.UTF8.GetBytes(new string('[', 600) + new string(']', 600)),
        () => RandomNumberGenerator.GetBytes(97),
        // Envelope-shaped: right version, a type that does not exist.
        () => [0x01, 0x7F, 0x03, (byte)'a', (byte)'b', (byte)'c', 0, 0, 0, 1],
        // Envelope-shaped: sender-id length larger than the message.
        () => [0x01, 0x02, 0x30, (byte)'t', (byte)'e'],
    ];

    /// <summary>
    /// Oversized payload number <paramref name="index"/>: just over the reading limit (1 KiB), over the envelope limit
    /// (4 KiB), and near the broker's packet limit (60 KiB). All stay below the broker's max_packet_size (64 KiB)
    /// so the broker delivers them and the actuator's parser has to refuse them.
    /// </summary>
    public static byte[] Oversized(int index)
    {
        int[] sizes = [DeviceReading.MaxSerializedBytes + 1, EnvelopeFormat.MaxMessageSize + 1, 60 * 1024];
        var size = sizes[index % sizes.Length];
        var padding = new string('x', size);
        var json = $"{{\"messageId\":\"big\",\"deviceId\":\"temp-living\",\"kind\":\"temperature\",\"value\":35,\"pad\":\"{padding}\"}}";
        return Encoding.UTF8.GetBytes(json)[..size];
    }
}

/// <summary>The common header of a v1 envelope (docs/PROTOCOL.md), read independently of SmartHome.Security.</summary>
public readonly record struct EnvelopeHeader(byte Type, string SenderId, uint KeyId, ulong Counter, long TimestampMs, int Length)
{
    public static bool TryRead(ReadOnlySpan<byte> wire, out EnvelopeHeader header)
    {
        header = default;
        if (wire.Length < 3 || wire[0] != EnvelopeFormat.Version || wire[1] is not (1 or 2))
        {
            return false;
        }

        int idLength = wire[2];
        var length = 3 + idLength + 4 + 8 + 8;
        if (idLength is 0 or > EnvelopeFormat.MaxSenderIdLength || wire.Length < length)
        {
            return false;
        }

        header = new EnvelopeHeader(
            wire[1],
            Encoding.ASCII.GetString(wire.Slice(3, idLength)),
            BinaryPrimitives.ReadUInt32BigEndian(wire[(3 + idLength)..]),
            BinaryPrimitives.ReadUInt64BigEndian(wire[(7 + idLength)..]),
            BinaryPrimitives.ReadInt64BigEndian(wire[(15 + idLength)..]),
            length);
        return true;
    }

    public static void Rewrite(Span<byte> wire, EnvelopeHeader header, ulong counter, long timestampMs)
    {
        var idLength = header.SenderId.Length;
        BinaryPrimitives.WriteUInt64BigEndian(wire[(7 + idLength)..], counter);
        BinaryPrimitives.WriteInt64BigEndian(wire[(15 + idLength)..], timestampMs);
    }
}

/// <summary>
/// Writes v1 envelopes from docs/PROTOCOL.md as a third party would: the attacker's own AES key, any DSA key it holds
/// (its own, or the stolen plug-garage key), any sender id, key id, counter and timestamp it likes.
/// </summary>
public sealed class EnvelopeForge(RSA actuatorPublicKey)
{
    private readonly byte[] _fingerprint = SHA256.HashData(actuatorPublicKey.ExportSubjectPublicKeyInfo())[..8];

    /// <summary>A key announcement for <paramref name="senderId"/> carrying <paramref name="aesKey"/>, signed with <paramref name="signer"/>.</summary>
    public byte[] Announcement(string senderId, uint keyId, ulong counter, long timestampMs, ReadOnlySpan<byte> salt,
        ReadOnlySpan<byte> aesKey, DSA signer, string topic) =>
        AnnouncementWithWrappedKey(senderId, keyId, counter, timestampMs, salt,
            actuatorPublicKey.Encrypt(aesKey.ToArray(), RSAEncryptionPadding.OaepSHA256), signer, topic);

    /// <summary>An announcement carrying <paramref name="wrapped"/> as is (e.g. garbage of the right length), signed with <paramref name="signer"/>.</summary>
    public byte[] AnnouncementWithWrappedKey(string senderId, uint keyId, ulong counter, long timestampMs, ReadOnlySpan<byte> salt,
        byte[] wrapped, DSA signer, string topic)
    {
        var h = 23 + senderId.Length;
        var message = new byte[h + 14 + wrapped.Length + 64];
        WriteHeader(message, 1, senderId, keyId, counter, timestampMs);
        salt.CopyTo(message.AsSpan(h));
        _fingerprint.CopyTo(message.AsSpan(h + 4));
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(h + 12), (ushort)wrapped.Length);
        wrapped.CopyTo(message.AsSpan(h + 14));
        Sign(message, message.Length - 64, topic, signer);
        return message;
    }

    /// <summary>A data message under (<paramref name="keyId"/>, <paramref name="aesKey"/>, <paramref name="salt"/>) signed with <paramref name="signer"/>.</summary>
    public static byte[] Data(string senderId, uint keyId, ulong counter, long timestampMs, ReadOnlySpan<byte> salt,
        ReadOnlySpan<byte> aesKey, ReadOnlySpan<byte> plaintext, DSA signer, string topic)
    {
        var h = 23 + senderId.Length;
        var message = new byte[h + 2 + plaintext.Length + 16 + 64];
        WriteHeader(message, 2, senderId, keyId, counter, timestampMs);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(h), (ushort)plaintext.Length);
        var binding = Binding(topic);
        var aad = new byte[h + 2 + binding.Length];
        message.AsSpan(0, h + 2).CopyTo(aad);
        binding.CopyTo(aad, h + 2);
        Span<byte> nonce = stackalloc byte[12];
        salt.CopyTo(nonce);
        BinaryPrimitives.WriteUInt64BigEndian(nonce[4..], counter);
        using (var aes = new AesGcm(aesKey, 16))
        {
            aes.Encrypt(nonce, plaintext, message.AsSpan(h + 2, plaintext.Length), message.AsSpan(h + 2 + plaintext.Length, 16), aad);
        }

        Sign(message, message.Length - 64, topic, signer);
        return message;
    }

    /// <summary>Same as <see cref="Data"/> but with 64 random bytes where the signature goes: no key needed (flood).</summary>
    public static byte[] UnsignedData(string senderId, uint keyId, ulong counter, long timestampMs, int ciphertextLength)
    {
        var h = 23 + senderId.Length;
        var message = new byte[h + 2 + ciphertextLength + 16 + 64];
        WriteHeader(message, 2, senderId, keyId, counter, timestampMs);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(h), (ushort)ciphertextLength);
        RandomNumberGenerator.Fill(message.AsSpan(h + 2));
        return message;
    }

    private static void WriteHeader(Span<byte> m, byte type, string senderId, uint keyId, ulong counter, long timestampMs)
    {
        m[0] = EnvelopeFormat.Version;
        m[1] = type;
        m[2] = (byte)senderId.Length;
        Encoding.ASCII.GetBytes(senderId, m[3..]);
        var l = senderId.Length;
        BinaryPrimitives.WriteUInt32BigEndian(m[(3 + l)..], keyId);
        BinaryPrimitives.WriteUInt64BigEndian(m[(7 + l)..], counter);
        BinaryPrimitives.WriteInt64BigEndian(m[(15 + l)..], timestampMs);
    }

    private static byte[] Binding(string topic)
    {
        var utf8 = Encoding.UTF8.GetBytes(topic);
        var binding = new byte[2 + utf8.Length];
        BinaryPrimitives.WriteUInt16BigEndian(binding, (ushort)utf8.Length);
        utf8.CopyTo(binding, 2);
        return binding;
    }

    private static void Sign(byte[] message, int signedLength, string topic, DSA signer)
    {
        var binding = Binding(topic);
        var input = new byte[signedLength + binding.Length];
        message.AsSpan(0, signedLength).CopyTo(input);
        binding.CopyTo(input, signedLength);
        var hash = SHA256.HashData(input);
        if (!signer.TryCreateSignature(hash, message.AsSpan(signedLength, 64), DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out var written)
            || written != 64)
        {
            throw new CryptographicException("DSA signature has an unexpected size.");
        }
    }
}
