using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace SmartHome.Security;

/// <summary>
/// Seals readings of one sender identity in a v2 suite (<see cref="CryptoSuite.Modern"/> or
/// <see cref="CryptoSuite.SessionSigned"/>). Each session starts from a fresh X25519 key pair agreed with the actuator's
/// static X25519 key; the ephemeral private key is dropped as soon as the session key is derived. Thread-safe (one lock);
/// one instance per identity.
/// </summary>
public sealed class SuiteEnvelopeSender : IEnvelopeSender
{
    private readonly string _senderId;
    private readonly byte[] _senderIdBytes;
    private readonly CryptoSuite _suite;
    private readonly Key _signingKey;
    private readonly PublicKey _recipientKey;
    private readonly byte[] _recipientFingerprint;
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
    private ulong _blockEnd;
    private long _lastAnnouncementMs = long.MinValue / 2;
    private bool _disposed;
    private bool _rotateAtNextSeal;

    /// <param name="signingKey">The device's Ed25519 private key. Not disposed by the sender.</param>
    /// <param name="recipientPublicKey">The actuator's X25519 public key.</param>
    public SuiteEnvelopeSender(string senderId, CryptoSuite suite, Key signingKey, PublicKey recipientPublicKey,
        RotationPolicy? rotation = null, CounterStore? counters = null, TimeProvider? time = null, string? announcementTopic = null,
        int counterBlockSize = CounterStore.DefaultBlockSize)
    {
        DeviceIds.Require(senderId, nameof(senderId));
        ArgumentNullException.ThrowIfNull(signingKey);
        ArgumentNullException.ThrowIfNull(recipientPublicKey);
        if (!SuiteFormat.IsV2Suite(suite))
        {
            throw new ArgumentException($"Suite '{suite}' is not carried by protocol v2 (use EnvelopeSender for seed).", nameof(suite));
        }
        if (signingKey.Algorithm != SuiteFormat.Signature || recipientPublicKey.Algorithm != SuiteFormat.Agreement)
        {
            throw new ArgumentException("Expected an Ed25519 signing key and an X25519 recipient key.");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(counterBlockSize, 1);
        _senderId = senderId;
        _senderIdBytes = Encoding.ASCII.GetBytes(senderId);
        _suite = suite;
        _signingKey = signingKey;
        _recipientKey = recipientPublicKey;
        _recipientFingerprint = SuiteFormat.Fingerprint(recipientPublicKey);
        _rotation = rotation ?? RotationPolicy.Default;
        _counters = counters ?? CounterStore.InMemory();
        _time = time ?? TimeProvider.System;
        _announcementTopic = announcementTopic ?? TopicRules.Keys(senderId);
        _blockSize = counterBlockSize;
    }

    public string SenderId => _senderId;

    public CryptoSuite Suite => _suite;

    public SealResult Seal(string topic, ReadOnlySpan<byte> plaintext)
    {
        ArgumentNullException.ThrowIfNull(topic);
        int maxPlain = EnvelopeFormat.MaxMessageSize - SuiteFormat.DataOverhead(_suite, _senderIdBytes.Length);
        if (plaintext.Length > maxPlain)
        {
            throw new ArgumentException($"Plaintext larger than {maxPlain} bytes.", nameof(plaintext));
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
            byte[] message = SuiteMessages.Data(_suite, _senderIdBytes, _keyId, counter, now.ToUnixTimeMilliseconds(), _aes!, _salt,
                plaintext, binding, _suite == CryptoSuite.Modern ? _signingKey : null);
            return new SealResult(message, announcement, _keyId, counter);
        }
    }

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
        uint keyId;
        Span<byte> idBytes = stackalloc byte[4];
        do
        {
            RandomNumberGenerator.Fill(idBytes);
            keyId = BinaryPrimitives.ReadUInt32BigEndian(idBytes);
        }
        while (keyId == 0 || keyId == _keyId);

        ulong counter = NextCounter();
        // Rotations closer together than receivers accept are stamped forward (as v1 does).
        long stamped = Math.Max(now.ToUnixTimeMilliseconds(), _lastAnnouncementMs + EnvelopeFormat.MinAnnouncementIntervalMs);
        Span<byte> derived = stackalloc byte[SuiteFormat.DerivedSize];
        byte[] message;
        // The ephemeral private key lives only for this block: forward secrecy toward the device's side.
        using (Key ephemeral = Key.Create(SuiteFormat.Agreement))
        {
            message = SuiteMessages.Announcement(_suite, _senderIdBytes, keyId, counter, stamped, _recipientFingerprint, ephemeral,
                _recipientKey, _signingKey, _announcementTopic, derived);
        }
        try
        {
            var aes = new AesGcm(derived[..EnvelopeFormat.SessionKeySize], EnvelopeFormat.TagSize);
            _aes?.Dispose();
            _aes = aes;
            derived[EnvelopeFormat.SessionKeySize..].CopyTo(_salt);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived);
        }
        _keyId = keyId;
        _lastAnnouncementMs = stamped;
        _keyCreated = now;
        _messagesUnderKey = 0;
        _rotateAtNextSeal = false;
        return new KeyAnnouncement(_announcementTopic, message, keyId, counter);
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

/// <summary>
/// Builds v2 messages from explicit inputs (no clock, no randomness), so the sender, the attacker's forge and the test
/// vectors write the same bytes.
/// </summary>
public static class SuiteMessages
{
    /// <summary>
    /// An announcement: header ‖ recipient fingerprint ‖ ephemeral X25519 public key ‖ Ed25519 signature. Writes the
    /// derived AES key ‖ nonce salt (36 bytes) into <paramref name="derived"/>.
    /// </summary>
    public static byte[] Announcement(CryptoSuite suite, ReadOnlySpan<byte> senderId, uint keyId, ulong counter, long timestampMs,
        ReadOnlySpan<byte> recipientFingerprint, Key ephemeral, PublicKey recipient, Key signingKey, string topic, Span<byte> derived)
    {
        ArgumentNullException.ThrowIfNull(ephemeral);
        ArgumentNullException.ThrowIfNull(signingKey);
        int h = SuiteFormat.FixedHeaderSize + senderId.Length;
        int sigOff = h + SuiteFormat.AnnouncementBodySize;
        byte[] message = new byte[sigOff + SuiteFormat.SignatureSize];
        Span<byte> m = message;
        SuiteFormat.WriteHeader(m, EnvelopeType.KeyAnnouncement, suite, senderId, keyId, counter, timestampMs);
        recipientFingerprint.CopyTo(m[h..]);
        if (!ephemeral.PublicKey.TryExport(KeyBlobFormat.RawPublicKey, m.Slice(h + EnvelopeFormat.FingerprintSize, SuiteFormat.PublicKeySize), out int written)
            || written != SuiteFormat.PublicKeySize)
        {
            throw new CryptographicException("X25519 public key has an unexpected size.");
        }
        if (!SuiteFormat.Derive(ephemeral, recipient, m[..sigOff], derived))
        {
            throw new CryptographicException("X25519 agreement with the recipient key is degenerate.");
        }
        Span<byte> binding = stackalloc byte[EnvelopeFormat.MaxTopicLength + 2];
        int bindingLen = EnvelopeFormat.WriteTopicBinding(topic, binding);
        if (bindingLen < 0)
        {
            throw new ArgumentException("Announcement topic is empty or too long.", nameof(topic));
        }
        SuiteFormat.Sign(signingKey, m[..sigOff], binding[..bindingLen], m[sigOff..]);
        return message;
    }

    /// <summary>
    /// A data message: header ‖ N ‖ AES-256-GCM(plaintext) ‖ tag ‖ [Ed25519 signature when <paramref name="signingKey"/> is
    /// set, i.e. modern]. <paramref name="binding"/> is the topic binding (u16be length ‖ UTF-8 topic).
    /// </summary>
    public static byte[] Data(CryptoSuite suite, ReadOnlySpan<byte> senderId, uint keyId, ulong counter, long timestampMs,
        AesGcm aes, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> binding, Key? signingKey)
    {
        ArgumentNullException.ThrowIfNull(aes);
        int headerLen = SuiteFormat.FixedHeaderSize + senderId.Length + 2;
        int sigSize = signingKey is null ? 0 : SuiteFormat.SignatureSize;
        byte[] message = new byte[headerLen + plaintext.Length + EnvelopeFormat.TagSize + sigSize];
        Span<byte> m = message;
        SuiteFormat.WriteHeader(m, EnvelopeType.Data, suite, senderId, keyId, counter, timestampMs);
        BinaryPrimitives.WriteUInt16BigEndian(m[(headerLen - 2)..], (ushort)plaintext.Length);
        Span<byte> aad = stackalloc byte[headerLen + binding.Length];
        m[..headerLen].CopyTo(aad);
        binding.CopyTo(aad[headerLen..]);
        Span<byte> nonce = stackalloc byte[EnvelopeFormat.NonceSize];
        EnvelopeFormat.WriteNonce(salt, counter, nonce);
        aes.Encrypt(nonce, plaintext, m.Slice(headerLen, plaintext.Length), m.Slice(headerLen + plaintext.Length, EnvelopeFormat.TagSize), aad);
        if (signingKey is not null)
        {
            int sigOff = message.Length - SuiteFormat.SignatureSize;
            SuiteFormat.Sign(signingKey, m[..sigOff], binding, m[sigOff..]);
        }
        return message;
    }
}
