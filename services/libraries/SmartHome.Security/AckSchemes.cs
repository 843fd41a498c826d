using System.Buffers.Binary;
using System.Security.Cryptography;
using NSec.Cryptography;

namespace SmartHome.Security;

/// <summary>Where the fields of one acknowledgement's header are (offsets into the message).</summary>
/// <param name="Length">Header length: the body's u16 length follows it.</param>
/// <param name="SenderIdOffset">Offset of the sender id.</param>
/// <param name="SenderIdLength">Length of the sender id.</param>
public readonly record struct AckHeader(int Length, int SenderIdOffset, int SenderIdLength, uint KeyId, ulong Counter, long TimestampMs);

/// <summary>
/// How one kind of acknowledgement is laid out and signed: v1 with DSA-2048 (<see cref="DsaAckScheme"/>, the seed suite) or
/// v2 with Ed25519 (<see cref="Ed25519AckScheme"/>, a v2 suite). <see cref="AckSigner"/> and <see cref="AckVerifier"/> do
/// the rest (counters, topic binding, freshness, replay) the same way for both.
/// </summary>
public interface IAckScheme
{
    /// <summary>The suite whose devices get these acknowledgements (<see cref="CryptoSuite.Seed"/> for v1).</summary>
    CryptoSuite Suite { get; }

    /// <summary>The signature algorithm's name, for reject details.</summary>
    string SignatureName { get; }

    /// <summary>Key id of the actuator's key in headers (<see cref="AckEnvelope.KeyIdOf(DSA)"/>).</summary>
    uint KeyId { get; }

    int SignatureSize { get; }

    int HeaderSize(int senderIdLength);

    /// <summary>Writes the header (version, type, suite byte in v2, sender id, key id, counter, timestamp).</summary>
    void WriteHeader(Span<byte> message, ReadOnlySpan<byte> senderId, ulong counter, long timestampMs);

    /// <summary>
    /// Reads the header of an acknowledgement in this scheme. False with a reject reason otherwise: the other version's
    /// acknowledgement (or another v2 suite's) is <see cref="RejectReasons.SuiteNotAllowed"/>, anything else malformed.
    /// </summary>
    bool TryReadHeader(ReadOnlySpan<byte> wire, out AckHeader header, out string reason, out string detail);

    /// <summary>Signs header ‖ body ‖ topic binding; only a scheme built with the private key can.</summary>
    void Sign(ReadOnlySpan<byte> signed, ReadOnlySpan<byte> binding, Span<byte> signature);

    bool Verify(ReadOnlySpan<byte> signed, ReadOnlySpan<byte> binding, ReadOnlySpan<byte> signature);
}

/// <summary>
/// v1 acknowledgements (docs/PROTOCOL.md "Acknowledgement"): the v1 header, DSA-2048/SHA-256 in IEEE P1363 form. The seed
/// suite's; byte for byte what the actuator always sent.
/// </summary>
public sealed class DsaAckScheme : IAckScheme
{
    private readonly DSA _key;

    /// <param name="key">The actuator's DSA-2048 key: private to sign, public to verify (not disposed by the scheme).</param>
    public DsaAckScheme(DSA key)
    {
        ArgumentNullException.ThrowIfNull(key);
        KeyChecks.RequireDsa2048(key, nameof(key));
        _key = key;
        KeyId = AckEnvelope.KeyIdOf(key);
    }

    public CryptoSuite Suite => CryptoSuite.Seed;

    public string SignatureName => "DSA";

    public uint KeyId { get; }

    public int SignatureSize => EnvelopeFormat.SignatureSize;

    public int HeaderSize(int senderIdLength) => EnvelopeFormat.FixedHeaderSize + senderIdLength;

    public void WriteHeader(Span<byte> message, ReadOnlySpan<byte> senderId, ulong counter, long timestampMs)
    {
        int idLen = senderId.Length;
        message[0] = EnvelopeFormat.Version;
        message[1] = (byte)EnvelopeType.Acknowledgement;
        message[2] = (byte)idLen;
        senderId.CopyTo(message[3..]);
        BinaryPrimitives.WriteUInt32BigEndian(message[(3 + idLen)..], KeyId);
        BinaryPrimitives.WriteUInt64BigEndian(message[(7 + idLen)..], counter);
        BinaryPrimitives.WriteInt64BigEndian(message[(15 + idLen)..], timestampMs);
    }

    public bool TryReadHeader(ReadOnlySpan<byte> wire, out AckHeader header, out string reason, out string detail)
    {
        header = default;
        if (AckSchemeChecks.IsAckOfVersion(wire, SuiteFormat.Version))
        {
            reason = RejectReasons.SuiteNotAllowed;
            detail = $"a v2 acknowledgement ({AckSchemeChecks.SuiteName(wire)}) for a device acknowledged in seed (v1, DSA)";
            return false;
        }

        reason = RejectReasons.Malformed;
        if (!AckSchemeChecks.TryReadLayout(wire, EnvelopeFormat.Version, EnvelopeFormat.FixedHeaderSize, SignatureSize, "v1", out header, out detail))
        {
            return false;
        }

        reason = string.Empty;
        return true;
    }

    public void Sign(ReadOnlySpan<byte> signed, ReadOnlySpan<byte> binding, Span<byte> signature)
    {
        Span<byte> hash = stackalloc byte[32];
        SignatureInput.Hash(signed, binding, hash);
        if (!_key.TryCreateSignature(hash, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out int written)
            || written != SignatureSize)
        {
            throw new CryptographicException("DSA signature has an unexpected size.");
        }
    }

    public bool Verify(ReadOnlySpan<byte> signed, ReadOnlySpan<byte> binding, ReadOnlySpan<byte> signature)
    {
        Span<byte> hash = stackalloc byte[32];
        SignatureInput.Hash(signed, binding, hash);
        try
        {
            return _key.VerifySignature(hash, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}

/// <summary>
/// v2 acknowledgements of one v2 suite (docs/PROTOCOL.md "v2 acknowledgement"): the v2 header with the suite byte, Ed25519
/// over header ‖ body ‖ topic binding with the actuator's own Ed25519 acknowledgement key.
/// </summary>
public sealed class Ed25519AckScheme : IAckScheme
{
    private readonly Key? _privateKey;
    private readonly PublicKey _publicKey;

    /// <summary>The actuator's side: signs with <paramref name="signingKey"/> (not disposed by the scheme).</summary>
    public Ed25519AckScheme(CryptoSuite suite, Key signingKey)
        : this(suite, (signingKey ?? throw new ArgumentNullException(nameof(signingKey))).PublicKey, signingKey)
    {
    }

    /// <summary>A device's side: verifies under the actuator's Ed25519 acknowledgement public key.</summary>
    public Ed25519AckScheme(CryptoSuite suite, PublicKey actuatorPublicKey)
        : this(suite, actuatorPublicKey, null)
    {
    }

    private Ed25519AckScheme(CryptoSuite suite, PublicKey publicKey, Key? privateKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        if (!SuiteFormat.IsV2Suite(suite))
        {
            throw new ArgumentException($"Suite '{suite}' is not carried by protocol v2 (seed acknowledgements are DsaAckScheme's).", nameof(suite));
        }

        if (publicKey.Algorithm != SuiteFormat.Signature)
        {
            throw new ArgumentException("Expected an Ed25519 key.", nameof(publicKey));
        }

        Suite = suite;
        _publicKey = publicKey;
        _privateKey = privateKey;
        KeyId = AckEnvelope.KeyIdOf(publicKey);
    }

    public CryptoSuite Suite { get; }

    public string SignatureName => "Ed25519";

    public uint KeyId { get; }

    public int SignatureSize => SuiteFormat.SignatureSize;

    public int HeaderSize(int senderIdLength) => SuiteFormat.FixedHeaderSize + senderIdLength;

    public void WriteHeader(Span<byte> message, ReadOnlySpan<byte> senderId, ulong counter, long timestampMs) =>
        SuiteFormat.WriteHeader(message, EnvelopeType.Acknowledgement, Suite, senderId, KeyId, counter, timestampMs);

    public bool TryReadHeader(ReadOnlySpan<byte> wire, out AckHeader header, out string reason, out string detail)
    {
        header = default;
        string expected = CryptoSuites.Name(Suite);
        reason = RejectReasons.SuiteNotAllowed;
        if (AckSchemeChecks.IsAckOfVersion(wire, EnvelopeFormat.Version))
        {
            detail = $"a v1 (DSA) acknowledgement for a device acknowledged in {expected} (v2, Ed25519)";
            return false;
        }

        if (AckSchemeChecks.IsAckOfVersion(wire, SuiteFormat.Version) && wire.Length > 2 && wire[2] != (byte)Suite)
        {
            detail = $"a v2 acknowledgement in {AckSchemeChecks.SuiteName(wire)} for a device acknowledged in {expected}";
            return false;
        }

        reason = RejectReasons.Malformed;
        if (!AckSchemeChecks.TryReadLayout(wire, SuiteFormat.Version, SuiteFormat.FixedHeaderSize, SignatureSize, "v2", out header, out detail))
        {
            return false;
        }

        reason = string.Empty;
        return true;
    }

    public void Sign(ReadOnlySpan<byte> signed, ReadOnlySpan<byte> binding, Span<byte> signature)
    {
        if (_privateKey is null)
        {
            throw new InvalidOperationException("This acknowledgement scheme holds the actuator's public key only.");
        }

        SuiteFormat.Sign(_privateKey, signed, binding, signature);
    }

    public bool Verify(ReadOnlySpan<byte> signed, ReadOnlySpan<byte> binding, ReadOnlySpan<byte> signature) =>
        SuiteFormat.Verify(_publicKey, signed, binding, signature);
}

/// <summary>Recognises the other version's acknowledgement, so a downgrade (or its reverse) is named, not just malformed.</summary>
internal static class AckSchemeChecks
{
    /// <summary>
    /// Reads an acknowledgement header of <paramref name="version"/>: version, type, then (v2: after the suite byte, which
    /// the caller checked) the sender id length, id, key id, counter and timestamp; the fixed header size places the id.
    /// </summary>
    public static bool TryReadLayout(ReadOnlySpan<byte> wire, byte version, int fixedHeaderSize, int signatureSize, string label,
        out AckHeader header, out string detail)
    {
        header = default;
        // The id length byte is the last byte before the id: 3 fixed bytes in v1 (version, type, length), 4 in v2 (+ suite).
        int idLengthAt = version == SuiteFormat.Version ? 3 : 2;
        if (wire.Length < fixedHeaderSize + 1 + 2 + signatureSize || wire[0] != version || wire[1] != (byte)EnvelopeType.Acknowledgement)
        {
            detail = $"not a {label} acknowledgement";
            return false;
        }

        int idLen = wire[idLengthAt];
        int h = fixedHeaderSize + idLen;
        if (idLen is 0 or > EnvelopeFormat.MaxSenderIdLength || wire.Length < h + 2 + signatureSize)
        {
            detail = "sender id length out of range or truncated header";
            return false;
        }

        int id = idLengthAt + 1;
        header = new AckHeader(h, id, idLen, BinaryPrimitives.ReadUInt32BigEndian(wire[(id + idLen)..]),
            BinaryPrimitives.ReadUInt64BigEndian(wire[(id + 4 + idLen)..]), BinaryPrimitives.ReadInt64BigEndian(wire[(id + 12 + idLen)..]));
        detail = string.Empty;
        return true;
    }

    public static bool IsAckOfVersion(ReadOnlySpan<byte> wire, byte version) =>
        wire.Length >= 2 && wire[0] == version && wire[1] == (byte)EnvelopeType.Acknowledgement;

    /// <summary>The suite a v2 message's suite byte names, or the byte itself.</summary>
    public static string SuiteName(ReadOnlySpan<byte> wire) =>
        wire.Length > 2 && wire[2] is (byte)CryptoSuite.Modern or (byte)CryptoSuite.SessionSigned
            ? CryptoSuites.Name((CryptoSuite)wire[2])
            : wire.Length > 2 ? $"suite byte 0x{wire[2]:x2}" : "no suite byte";
}
