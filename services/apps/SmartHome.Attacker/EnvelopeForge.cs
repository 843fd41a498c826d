using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using SmartHome.Security;

namespace SmartHome.Attacker;

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

    /// <summary>An acknowledgement envelope (type 3) from <paramref name="senderId"/> carrying <paramref name="body"/> in clear, signed with <paramref name="signer"/>.</summary>
    public static byte[] Acknowledgement(string senderId, uint keyId, ulong counter, long timestampMs, ReadOnlySpan<byte> body, DSA signer, string topic)
    {
        var h = 23 + senderId.Length;
        var message = new byte[h + 2 + body.Length + 64];
        WriteHeader(message, (byte)EnvelopeType.Acknowledgement, senderId, keyId, counter, timestampMs);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(h), (ushort)body.Length);
        body.CopyTo(message.AsSpan(h + 2));
        Sign(message, message.Length - 64, topic, signer);
        return message;
    }

    /// <summary>
    /// A v2 acknowledgement (docs/PROTOCOL.md "v2 acknowledgement") in <paramref name="suite"/>, signed with any Ed25519 key
    /// the attacker holds: v2 header, <c>u16 N ‖ body ‖ Ed25519 signature</c> over header ‖ body ‖ topic binding.
    /// </summary>
    public static byte[] SuiteAcknowledgement(CryptoSuite suite, string senderId, uint keyId, ulong counter, long timestampMs,
        ReadOnlySpan<byte> body, NSec.Cryptography.Key signer, string topic)
    {
        ArgumentNullException.ThrowIfNull(signer);
        var l = senderId.Length;
        var h = SuiteFormat.FixedHeaderSize + l;
        var message = new byte[h + 2 + body.Length + SuiteFormat.SignatureSize];
        message[0] = SuiteFormat.Version;
        message[1] = (byte)EnvelopeType.Acknowledgement;
        message[2] = (byte)suite;
        message[3] = (byte)l;
        Encoding.ASCII.GetBytes(senderId, message.AsSpan(4));
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4 + l), keyId);
        BinaryPrimitives.WriteUInt64BigEndian(message.AsSpan(8 + l), counter);
        BinaryPrimitives.WriteInt64BigEndian(message.AsSpan(16 + l), timestampMs);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(h), (ushort)body.Length);
        body.CopyTo(message.AsSpan(h + 2));
        int signed = message.Length - SuiteFormat.SignatureSize;
        byte[] input = [.. message.AsSpan(0, signed), .. Binding(topic)];
        SuiteFormat.Signature.Sign(signer, input, message.AsSpan(signed));
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
