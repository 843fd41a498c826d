using System.Buffers.Binary;
using NSec.Cryptography;

namespace SmartHome.Security;

/// <summary>
/// Wire-format constants of protocol v2, the envelope of the <see cref="CryptoSuite.Modern"/> and
/// <see cref="CryptoSuite.SessionSigned"/> suites (docs/PROTOCOL.md, "Crypto suites" is normative). v2 keeps v1's
/// shape and adds the suite byte to the header, so the suite is covered by the AAD and by every signature.
/// </summary>
public static class SuiteFormat
{
    /// <summary>Protocol version byte of v2 messages (v1 is <see cref="EnvelopeFormat.Version"/>).</summary>
    public const byte Version = 0x02;
    /// <summary>X25519 public key (the announcement's ephemeral key).</summary>
    public const int PublicKeySize = 32;
    /// <summary>Ed25519 signature.</summary>
    public const int SignatureSize = 64;
    /// <summary>HKDF output: AES-256 key (32) ‖ nonce salt (4).</summary>
    public const int DerivedSize = EnvelopeFormat.SessionKeySize + EnvelopeFormat.SaltSize;

    /// <summary>version, type, suite, id length, key id, counter, timestamp (without the sender id).</summary>
    public const int FixedHeaderSize = 1 + 1 + 1 + 1 + 4 + 8 + 8;

    /// <summary>Announcement body after the header: recipient fingerprint ‖ ephemeral public key.</summary>
    internal const int AnnouncementBodySize = EnvelopeFormat.FingerprintSize + PublicKeySize;

    /// <summary>HKDF info prefix; the announcement's bytes up to its signature follow it.</summary>
    public static ReadOnlySpan<byte> KdfLabel => "smarthome-v2 session key"u8;

    public static SignatureAlgorithm Signature => SignatureAlgorithm.Ed25519;
    public static KeyAgreementAlgorithm Agreement => KeyAgreementAlgorithm.X25519;

    /// <summary>True for the suites v2 carries.</summary>
    public static bool IsV2Suite(CryptoSuite suite) => suite is CryptoSuite.Modern or CryptoSuite.SessionSigned;

    /// <summary>Bytes a data message adds around a plaintext.</summary>
    public static int DataOverhead(CryptoSuite suite, int senderIdLength) =>
        FixedHeaderSize + senderIdLength + 2 + EnvelopeFormat.TagSize + (suite == CryptoSuite.Modern ? SignatureSize : 0);

    /// <summary>First 8 bytes of SHA-256 over the recipient's X25519 SubjectPublicKeyInfo DER.</summary>
    public static byte[] Fingerprint(PublicKey recipient)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        byte[] spki = recipient.Export(KeyBlobFormat.PkixPublicKey);
        return System.Security.Cryptography.SHA256.HashData(spki)[..EnvelopeFormat.FingerprintSize];
    }

    /// <summary>Writes the common v2 header; returns its length.</summary>
    internal static int WriteHeader(Span<byte> m, EnvelopeType type, CryptoSuite suite, ReadOnlySpan<byte> senderId, uint keyId, ulong counter, long timestampMs)
    {
        int idLen = senderId.Length;
        m[0] = Version;
        m[1] = (byte)type;
        m[2] = (byte)suite;
        m[3] = (byte)idLen;
        senderId.CopyTo(m[4..]);
        BinaryPrimitives.WriteUInt32BigEndian(m[(4 + idLen)..], keyId);
        BinaryPrimitives.WriteUInt64BigEndian(m[(8 + idLen)..], counter);
        BinaryPrimitives.WriteInt64BigEndian(m[(16 + idLen)..], timestampMs);
        return FixedHeaderSize + idLen;
    }

    /// <summary>
    /// HKDF-SHA256 (empty salt) of the X25519 shared secret, info = <see cref="KdfLabel"/> ‖ announcement[0 .. H+40):
    /// the key is bound to the suite, sender, key id and both public keys. False if the agreement is degenerate.
    /// </summary>
    internal static bool Derive(Key privateKey, PublicKey otherPublic, ReadOnlySpan<byte> announcementBody, Span<byte> derived)
    {
        using SharedSecret? secret = Agreement.Agree(privateKey, otherPublic);
        if (secret is null)
        {
            return false;
        }
        Span<byte> info = stackalloc byte[KdfLabel.Length + announcementBody.Length];
        KdfLabel.CopyTo(info);
        announcementBody.CopyTo(info[KdfLabel.Length..]);
        KeyDerivationAlgorithm.HkdfSha256.DeriveBytes(secret, [], info, derived);
        return true;
    }

    /// <summary>Ed25519 over signed ‖ topic binding.</summary>
    internal static void Sign(Key signingKey, ReadOnlySpan<byte> signed, ReadOnlySpan<byte> binding, Span<byte> signature)
    {
        Span<byte> input = stackalloc byte[signed.Length + binding.Length];
        signed.CopyTo(input);
        binding.CopyTo(input[signed.Length..]);
        Signature.Sign(signingKey, input, signature);
    }

    internal static bool Verify(PublicKey key, ReadOnlySpan<byte> signed, ReadOnlySpan<byte> binding, ReadOnlySpan<byte> signature)
    {
        Span<byte> input = stackalloc byte[signed.Length + binding.Length];
        signed.CopyTo(input);
        binding.CopyTo(input[signed.Length..]);
        return Signature.Verify(key, input, signature);
    }
}

/// <summary>Zero-copy view of a parsed v2 message.</summary>
internal readonly ref struct ParsedSuiteEnvelope
{
    public EnvelopeType Type { get; init; }
    public CryptoSuite Suite { get; init; }
    public ReadOnlySpan<byte> SenderId { get; init; }
    public uint KeyId { get; init; }
    public ulong Counter { get; init; }
    public long TimestampMs { get; init; }
    /// <summary>Data: everything before the ciphertext (the AAD's first part). Announcement: everything before the signature except the body.</summary>
    public ReadOnlySpan<byte> Header { get; init; }
    public ReadOnlySpan<byte> Ciphertext { get; init; }
    public ReadOnlySpan<byte> Tag { get; init; }
    public ReadOnlySpan<byte> Fingerprint { get; init; }
    public ReadOnlySpan<byte> EphemeralKey { get; init; }
    /// <summary>Every byte before the signature (the whole message for session-signed data).</summary>
    public ReadOnlySpan<byte> Signed { get; init; }
    /// <summary>Empty for session-signed data.</summary>
    public ReadOnlySpan<byte> Signature { get; init; }

    /// <summary>Structural parse with exact lengths (one parse per message). Never throws.</summary>
    public static bool TryParse(ReadOnlySpan<byte> wire, out ParsedSuiteEnvelope parsed, out string detail)
    {
        parsed = default;
        if (wire.Length < SuiteFormat.FixedHeaderSize + 1)
        {
            detail = "shorter than the fixed header";
            return false;
        }
        if (wire[0] != SuiteFormat.Version)
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
        if (wire[2] is not ((byte)CryptoSuite.Modern or (byte)CryptoSuite.SessionSigned))
        {
            detail = "suite byte names no v2 suite";
            return false;
        }
        var suite = (CryptoSuite)wire[2];
        int idLen = wire[3];
        if (idLen is 0 or > EnvelopeFormat.MaxSenderIdLength)
        {
            detail = "sender id length out of range";
            return false;
        }
        int h = SuiteFormat.FixedHeaderSize + idLen;
        if (wire.Length < h)
        {
            detail = "truncated header";
            return false;
        }
        ReadOnlySpan<byte> id = wire.Slice(4, idLen);
        foreach (byte b in id)
        {
            if (!EnvelopeFormat.IsIdChar(b))
            {
                detail = "sender id has a character outside [a-z0-9-]";
                return false;
            }
        }
        uint keyId = BinaryPrimitives.ReadUInt32BigEndian(wire[(4 + idLen)..]);
        ulong counter = BinaryPrimitives.ReadUInt64BigEndian(wire[(8 + idLen)..]);
        long ts = BinaryPrimitives.ReadInt64BigEndian(wire[(16 + idLen)..]);
        if (keyId == 0 || counter == 0)
        {
            detail = "key id 0 and counter 0 are reserved";
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
            int sig = suite == CryptoSuite.Modern ? SuiteFormat.SignatureSize : 0;
            if (h + 2 + n + EnvelopeFormat.TagSize + sig != wire.Length)
            {
                detail = "ciphertext length does not match message length";
                return false;
            }
            int ctOff = h + 2;
            int sigOff = ctOff + n + EnvelopeFormat.TagSize;
            parsed = new ParsedSuiteEnvelope
            {
                Type = EnvelopeType.Data,
                Suite = suite,
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
            if (wire.Length != h + SuiteFormat.AnnouncementBodySize + SuiteFormat.SignatureSize)
            {
                detail = "announcement length is not header + 40 + 64";
                return false;
            }
            int sigOff = h + SuiteFormat.AnnouncementBodySize;
            parsed = new ParsedSuiteEnvelope
            {
                Type = EnvelopeType.KeyAnnouncement,
                Suite = suite,
                SenderId = id,
                KeyId = keyId,
                Counter = counter,
                TimestampMs = ts,
                Header = wire[..h],
                Fingerprint = wire.Slice(h, EnvelopeFormat.FingerprintSize),
                EphemeralKey = wire.Slice(h + EnvelopeFormat.FingerprintSize, SuiteFormat.PublicKeySize),
                Signed = wire[..sigOff],
                Signature = wire[sigOff..],
            };
        }
        detail = string.Empty;
        return true;
    }
}
