using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SmartHome.Security;

/// <summary>When a sender replaces its session key. Whichever limit is reached first triggers a rotation.</summary>
public sealed record RotationPolicy
{
    /// <summary>Data messages per session key (default 10,000).</summary>
    public int MaxMessages { get; init; } = 10_000;

    /// <summary>Age of a session key (default 10 minutes).</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromMinutes(10);

    public static RotationPolicy Default { get; } = new();
}

/// <summary>A signed session-key announcement to publish (before any data under that key) on <see cref="Topic"/>.</summary>
public sealed record KeyAnnouncement(string Topic, byte[] Message, uint KeyId, ulong Counter);

/// <summary>
/// Result of <see cref="EnvelopeSender.Seal"/>: the data message and, when a new session key was started,
/// the announcement that must be published first.
/// </summary>
public readonly record struct SealResult(byte[] Message, KeyAnnouncement? Announcement, uint KeyId, ulong Counter);

/// <summary>
/// Seals readings of one sender identity. Thread-safe (one lock per sender); one instance per identity.
/// Session keys are never persisted: a restarted sender announces a fresh key and resumes its counter from
/// the <see cref="CounterStore"/> reservation.
/// </summary>
public sealed class EnvelopeSender : IEnvelopeSender
{
    private readonly string _senderId;
    private readonly byte[] _senderIdBytes;
    private readonly DSA _signingKey;
    private readonly RSA _recipientKey;
    private readonly byte[] _recipientFingerprint;
    private readonly int _wrappedSize;
    private readonly RotationPolicy _rotation;
    private readonly CounterStore _counters;
    private readonly TimeProvider _time;
    private readonly string _announcementTopic;
    private readonly int _blockSize;
    private readonly object _lock = new();

    private AesGcm? _aes;
    private readonly byte[] _salt = new byte[EnvelopeFormat.SaltSize];
    private uint _keyId;
    private DateTimeOffset _keyCreated;
    private int _messagesUnderKey;
    private ulong _nextCounter;
    private long _lastAnnouncementMs = long.MinValue / 2;
    private ulong _blockEnd;
    private bool _disposed;
    private bool _rotateAtNextSeal;

    /// <param name="senderId">Sender identity (the device id rule, <see cref="DeviceIds"/>); also the last topic segment by convention.</param>
    /// <param name="signingKey">The sender's DSA-2048 private key (N = 256). Not disposed by the sender.</param>
    /// <param name="recipientPublicKey">The actuator's RSA public key (2048..4096 bits). Not disposed by the sender.</param>
    /// <param name="rotation">Rotation policy; default 10,000 messages or 10 minutes.</param>
    /// <param name="counters">Counter persistence; default in-memory (a restart would then reuse counters — use a file store in services).</param>
    /// <param name="time">Clock for timestamps and rotation; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="announcementTopic">Topic for announcements; default <c>smarthome/keys/{senderId}</c>.</param>
    /// <param name="counterBlockSize">Counters reserved per durable write; default 1,000.</param>
    public EnvelopeSender(
        string senderId,
        DSA signingKey,
        RSA recipientPublicKey,
        RotationPolicy? rotation = null,
        CounterStore? counters = null,
        TimeProvider? time = null,
        string? announcementTopic = null,
        int counterBlockSize = CounterStore.DefaultBlockSize)
    {
        ArgumentNullException.ThrowIfNull(senderId);
        ArgumentNullException.ThrowIfNull(signingKey);
        ArgumentNullException.ThrowIfNull(recipientPublicKey);
        DeviceIds.Require(senderId, nameof(senderId));
        KeyChecks.RequireDsa2048(signingKey, nameof(signingKey));
        ArgumentOutOfRangeException.ThrowIfLessThan(counterBlockSize, 1);
        _wrappedSize = KeyChecks.RequireRsa(recipientPublicKey, nameof(recipientPublicKey));
        _senderId = senderId;
        _senderIdBytes = Encoding.ASCII.GetBytes(senderId);
        _signingKey = signingKey;
        _recipientKey = recipientPublicKey;
        _recipientFingerprint = KeyChecks.Fingerprint(recipientPublicKey);
        _rotation = rotation ?? RotationPolicy.Default;
        _counters = counters ?? CounterStore.InMemory();
        _time = time ?? TimeProvider.System;
        _announcementTopic = announcementTopic ?? TopicRules.Keys(senderId);
        _blockSize = counterBlockSize;
    }

    public string SenderId => _senderId;

    /// <summary>Current session key id, 0 before the first announcement.</summary>
    public uint CurrentKeyId
    {
        get
        {
            lock (_lock)
            {
                return _keyId;
            }
        }
    }

    /// <summary>
    /// Encrypts and signs <paramref name="plaintext"/> for <paramref name="topic"/>. When the rotation policy (or
    /// <see cref="RotateNow"/>) requires a new session key, <see cref="SealResult.Announcement"/> is set and must be
    /// published before the message.
    /// </summary>
    public SealResult Seal(string topic, ReadOnlySpan<byte> plaintext)
    {
        ArgumentNullException.ThrowIfNull(topic);
        if (plaintext.Length > EnvelopeFormat.MaxPlaintextLength(_senderIdBytes.Length))
        {
            throw new ArgumentException($"Plaintext larger than {EnvelopeFormat.MaxPlaintextLength(_senderIdBytes.Length)} bytes.", nameof(plaintext));
        }
        Span<byte> binding = stackalloc byte[EnvelopeFormat.MaxTopicLength + 2];
        int bindingLen = EnvelopeFormat.WriteTopicBinding(topic, binding);
        if (bindingLen < 0)
        {
            throw new ArgumentException($"Topic must be 1..{EnvelopeFormat.MaxTopicLength} UTF-8 bytes.", nameof(topic));
        }
        binding = binding[..bindingLen];

        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            DateTimeOffset now = _time.GetUtcNow();
            KeyAnnouncement? announcement = null;
            if (_aes is null || _rotateAtNextSeal || _messagesUnderKey >= _rotation.MaxMessages || now - _keyCreated >= _rotation.MaxAge)
            {
                announcement = StartSession(now);
            }
            ulong counter = NextCounter();
            _messagesUnderKey++;

            int idLen = _senderIdBytes.Length;
            int headerLen = EnvelopeFormat.FixedHeaderSize + idLen + 2;
            int total = headerLen + plaintext.Length + EnvelopeFormat.TagSize + EnvelopeFormat.SignatureSize;
            byte[] message = new byte[total];
            Span<byte> m = message;
            WriteHeader(m, EnvelopeType.Data, counter, now);
            BinaryPrimitives.WriteUInt16BigEndian(m[(headerLen - 2)..], (ushort)plaintext.Length);

            Span<byte> aad = stackalloc byte[headerLen + bindingLen];
            m[..headerLen].CopyTo(aad);
            binding.CopyTo(aad[headerLen..]);
            Span<byte> nonce = stackalloc byte[EnvelopeFormat.NonceSize];
            EnvelopeFormat.WriteNonce(_salt, counter, nonce);
            _aes!.Encrypt(nonce, plaintext, m.Slice(headerLen, plaintext.Length), m.Slice(headerLen + plaintext.Length, EnvelopeFormat.TagSize), aad);

            int sigOff = total - EnvelopeFormat.SignatureSize;
            Sign(m[..sigOff], binding, m[sigOff..]);
            return new SealResult(message, announcement, _keyId, counter);
        }
    }

    /// <summary>Starts a new session key now and returns its announcement (publish it before further data).</summary>
    public KeyAnnouncement RotateNow()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return StartSession(_time.GetUtcNow());
        }
    }

    public void RotateAtNextSeal()
    {
        lock (_lock)
        {
            _rotateAtNextSeal = true;
        }
    }

    private KeyAnnouncement StartSession(DateTimeOffset now)
    {
        Span<byte> key = stackalloc byte[EnvelopeFormat.SessionKeySize];
        RandomNumberGenerator.Fill(key);
        try
        {
            uint keyId;
            Span<byte> idBytes = stackalloc byte[4];
            do
            {
                RandomNumberGenerator.Fill(idBytes);
                keyId = BinaryPrimitives.ReadUInt32BigEndian(idBytes);
            }
            while (keyId == 0 || keyId == _keyId);
            RandomNumberGenerator.Fill(_salt);

            ulong counter = NextCounter();
            int h = EnvelopeFormat.FixedHeaderSize + _senderIdBytes.Length;
            int wrapOff = h + EnvelopeFormat.SaltSize + EnvelopeFormat.FingerprintSize + 2;
            int sigOff = wrapOff + _wrappedSize;
            byte[] message = new byte[sigOff + EnvelopeFormat.SignatureSize];
            Span<byte> m = message;
            uint previous = _keyId;
            _keyId = keyId;
            // Rotations closer together than the receivers accept are stamped forward (by at most that interval).
            var stamped = now.ToUnixTimeMilliseconds() < _lastAnnouncementMs + EnvelopeFormat.MinAnnouncementIntervalMs
                ? DateTimeOffset.FromUnixTimeMilliseconds(_lastAnnouncementMs + EnvelopeFormat.MinAnnouncementIntervalMs)
                : now;
            _lastAnnouncementMs = stamped.ToUnixTimeMilliseconds();
            WriteHeader(m, EnvelopeType.KeyAnnouncement, counter, stamped);
            _salt.CopyTo(m[h..]);
            _recipientFingerprint.CopyTo(m[(h + EnvelopeFormat.SaltSize)..]);
            BinaryPrimitives.WriteUInt16BigEndian(m[(wrapOff - 2)..], (ushort)_wrappedSize);
            if (!_recipientKey.TryEncrypt(key, m.Slice(wrapOff, _wrappedSize), RSAEncryptionPadding.OaepSHA256, out int written) || written != _wrappedSize)
            {
                _keyId = previous;
                throw new CryptographicException("RSA-OAEP wrap produced an unexpected length.");
            }
            Span<byte> binding = stackalloc byte[EnvelopeFormat.MaxTopicLength + 2];
            int bindingLen = EnvelopeFormat.WriteTopicBinding(_announcementTopic, binding);
            if (bindingLen < 0)
            {
                throw new InvalidOperationException("Announcement topic is empty or too long.");
            }
            Sign(m[..sigOff], binding[..bindingLen], m[sigOff..]);

            var aes = new AesGcm(key, EnvelopeFormat.TagSize);
            _aes?.Dispose();
            _aes = aes;
            _keyCreated = now;
            _messagesUnderKey = 0;
            _rotateAtNextSeal = false;
            return new KeyAnnouncement(_announcementTopic, message, keyId, counter);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private void WriteHeader(Span<byte> m, EnvelopeType type, ulong counter, DateTimeOffset now)
    {
        int idLen = _senderIdBytes.Length;
        m[0] = EnvelopeFormat.Version;
        m[1] = (byte)type;
        m[2] = (byte)idLen;
        _senderIdBytes.CopyTo(m[3..]);
        BinaryPrimitives.WriteUInt32BigEndian(m[(3 + idLen)..], _keyId);
        BinaryPrimitives.WriteUInt64BigEndian(m[(7 + idLen)..], counter);
        BinaryPrimitives.WriteInt64BigEndian(m[(15 + idLen)..], now.ToUnixTimeMilliseconds());
    }

    private ulong NextCounter()
    {
        if (_nextCounter == _blockEnd)
        {
            ulong first = _counters.ReserveBlock(_senderId, _blockSize);
            _nextCounter = first;
            _blockEnd = first + (ulong)_blockSize;
        }
        return _nextCounter++;
    }

    /// <summary>Signature over signed || binding: SHA-256, DSA, IEEE P1363 r||s into <paramref name="signature"/>.</summary>
    private void Sign(ReadOnlySpan<byte> signed, ReadOnlySpan<byte> binding, Span<byte> signature)
    {
        Span<byte> hash = stackalloc byte[32];
        SignatureInput.Hash(signed, binding, hash);
        if (!_signingKey.TryCreateSignature(hash, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out int written)
            || written != EnvelopeFormat.SignatureSize)
        {
            throw new CryptographicException("DSA signature has an unexpected size.");
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _aes?.Dispose();
            _aes = null;
        }
    }
}

internal static class SignatureInput
{
    /// <summary>SHA-256(signed || binding) without allocating (stack copy up to ~4.6 KiB).</summary>
    public static void Hash(ReadOnlySpan<byte> signed, ReadOnlySpan<byte> binding, Span<byte> hash)
    {
        Span<byte> buffer = stackalloc byte[EnvelopeFormat.MaxMessageSize + EnvelopeFormat.MaxTopicLength + 2];
        signed.CopyTo(buffer);
        binding.CopyTo(buffer[signed.Length..]);
        SHA256.HashData(buffer[..(signed.Length + binding.Length)], hash);
    }
}

internal static class KeyChecks
{
    public static void RequireDsa2048(DSA key, string paramName)
    {
        if (key.KeySize != 2048 || key.GetMaxSignatureSize(DSASignatureFormat.IeeeP1363FixedFieldConcatenation) != EnvelopeFormat.SignatureSize)
        {
            throw new ArgumentException("Expected a DSA-2048 key with a 256-bit q.", paramName);
        }
    }

    public static int RequireRsa(RSA key, string paramName)
    {
        if (key.KeySize is < 2048 or > 4096 || key.KeySize % 8 != 0)
        {
            throw new ArgumentException("Expected an RSA key of 2048..4096 bits.", paramName);
        }
        return key.KeySize / 8;
    }

    /// <summary>First 8 bytes of SHA-256 over the key's SubjectPublicKeyInfo DER.</summary>
    public static byte[] Fingerprint(RSA key)
    {
        byte[] spki = key.ExportSubjectPublicKeyInfo();
        return SHA256.HashData(spki)[..EnvelopeFormat.FingerprintSize];
    }
}
