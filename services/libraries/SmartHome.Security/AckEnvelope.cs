using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SmartHome.Security;

/// <summary>
/// Layout of the acknowledgement envelope (type 0x03, docs/PROTOCOL.md "Acknowledgement"): the common header with the
/// actuator as sender, then <c>u16 N ‖ body[N] ‖ DSA signature[64]</c>. The body (which readings were applied or
/// refused) is not secret and not encrypted; the signature over header, body and topic binding makes it the actuator's.
/// </summary>
public static class AckEnvelope
{
    /// <summary>Largest body an acknowledgement of the longest sender id can carry.</summary>
    public static int MaxBodyLength(int senderIdLength) =>
        EnvelopeFormat.MaxMessageSize - (EnvelopeFormat.FixedHeaderSize + senderIdLength + 2 + EnvelopeFormat.SignatureSize);

    /// <summary>
    /// Key id of a signing key in acknowledgement headers: the first 4 bytes (big-endian) of SHA-256 over its
    /// SubjectPublicKeyInfo DER, 1 if those are zero (key id 0 is reserved). Lets a device refuse an acknowledgement
    /// under another key before the DSA verification.
    /// </summary>
    public static uint KeyIdOf(DSA key)
    {
        ArgumentNullException.ThrowIfNull(key);
        uint id = BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
        return id == 0 ? 1 : id;
    }
}

/// <summary>
/// The actuator's side: signs acknowledgement bodies with its own DSA key and its own persisted counter (so a restarted
/// actuator never reuses one). Thread-safe.
/// </summary>
public sealed class AckSigner
{
    private readonly string _senderId;
    private readonly byte[] _senderIdBytes;
    private readonly DSA _signingKey;
    private readonly CounterStore _counters;
    private readonly TimeProvider _time;
    private readonly uint _keyId;
    private readonly int _blockSize;
    private readonly Lock _lock = new();
    private ulong _next;
    private ulong _blockEnd;

    /// <param name="senderId">The actuator's identity (its broker account, <c>actuator</c>).</param>
    /// <param name="signingKey">Its DSA-2048 private key (not disposed by the signer).</param>
    /// <param name="counters">Where its counter reservations persist.</param>
    /// <param name="time">Clock for timestamps; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="counterBlockSize">Counters reserved per durable write.</param>
    public AckSigner(string senderId, DSA signingKey, CounterStore counters, TimeProvider? time = null, int counterBlockSize = CounterStore.DefaultBlockSize)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        ArgumentNullException.ThrowIfNull(counters);
        DeviceIds.Require(senderId, nameof(senderId));
        KeyChecks.RequireDsa2048(signingKey, nameof(signingKey));
        ArgumentOutOfRangeException.ThrowIfLessThan(counterBlockSize, 1);
        _senderId = senderId;
        _senderIdBytes = Encoding.ASCII.GetBytes(senderId);
        _signingKey = signingKey;
        _counters = counters;
        _time = time ?? TimeProvider.System;
        _keyId = AckEnvelope.KeyIdOf(signingKey);
        _blockSize = counterBlockSize;
    }

    public string SenderId => _senderId;

    /// <summary>Seals <paramref name="body"/> for <paramref name="topic"/> (the device's acknowledgement topic).</summary>
    public byte[] Seal(string topic, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(topic);
        int idLen = _senderIdBytes.Length;
        if (body.Length == 0 || body.Length > AckEnvelope.MaxBodyLength(idLen))
        {
            throw new ArgumentException($"Acknowledgement body must be 1..{AckEnvelope.MaxBodyLength(idLen)} bytes.", nameof(body));
        }

        Span<byte> binding = stackalloc byte[EnvelopeFormat.MaxTopicLength + 2];
        int bindingLen = EnvelopeFormat.WriteTopicBinding(topic, binding);
        if (bindingLen < 0)
        {
            throw new ArgumentException($"Topic must be 1..{EnvelopeFormat.MaxTopicLength} UTF-8 bytes.", nameof(topic));
        }

        int h = EnvelopeFormat.FixedHeaderSize + idLen;
        byte[] message = new byte[h + 2 + body.Length + EnvelopeFormat.SignatureSize];
        Span<byte> m = message;
        ulong counter;
        lock (_lock)
        {
            if (_next == _blockEnd)
            {
                _next = _counters.ReserveBlock(_senderId, _blockSize);
                _blockEnd = _next + (ulong)_blockSize;
            }

            counter = _next++;
        }

        m[0] = EnvelopeFormat.Version;
        m[1] = (byte)EnvelopeType.Acknowledgement;
        m[2] = (byte)idLen;
        _senderIdBytes.CopyTo(m[3..]);
        BinaryPrimitives.WriteUInt32BigEndian(m[(3 + idLen)..], _keyId);
        BinaryPrimitives.WriteUInt64BigEndian(m[(7 + idLen)..], counter);
        BinaryPrimitives.WriteInt64BigEndian(m[(15 + idLen)..], _time.GetUtcNow().ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteUInt16BigEndian(m[h..], (ushort)body.Length);
        body.CopyTo(m[(h + 2)..]);
        int sigOff = h + 2 + body.Length;
        Span<byte> hash = stackalloc byte[32];
        SignatureInput.Hash(m[..sigOff], binding[..bindingLen], hash);
        if (!_signingKey.TryCreateSignature(hash, m[sigOff..], DSASignatureFormat.IeeeP1363FixedFieldConcatenation, out int written)
            || written != EnvelopeFormat.SignatureSize)
        {
            throw new CryptographicException("DSA signature has an unexpected size.");
        }

        return message;
    }
}

/// <summary>Outcome of <see cref="AckVerifier.Verify"/>: the body when accepted, else a reject reason (<see cref="RejectReasons"/>).</summary>
public readonly record struct AckVerification(byte[]? Body, string? Reason, string? Detail, ulong Counter)
{
    public bool Accepted => Body is not null;

    public static AckVerification Reject(string reason, string detail) => new(null, reason, detail, 0);
}

/// <summary>
/// A device's side: accepts only acknowledgements signed by the actuator's key, on the acknowledgement topic they were
/// sealed for, fresh, and never twice (a replay window over the actuator's counter, persisted like the actuator's own).
/// Checks run cheapest first; the window is committed only after the signature verified. Thread-safe; never throws.
/// </summary>
public sealed class AckVerifier
{
    private readonly byte[] _actuatorIdBytes;
    private readonly DSA _actuatorKey;
    private readonly uint _keyId;
    private readonly ReplayStore _replay;
    private readonly int _slot;
    private readonly TimeProvider _time;
    private readonly long _freshnessMs;
    private readonly Func<string, bool> _topicAllowed;
    private readonly Lock _lock = new();
    private ReplayWindow _window;

    /// <param name="actuatorId">The sender id acknowledgements must carry (<c>actuator</c>).</param>
    /// <param name="actuatorPublicKey">The actuator's DSA-2048 public key.</param>
    /// <param name="topicAllowed">True for the acknowledgement topics of the devices this process speaks for.</param>
    /// <param name="replayStore">Where the highest accepted counter persists (a restarted device keeps refusing old ones).</param>
    /// <param name="freshness">Accepted clock difference of the acknowledgement's timestamp, either way.</param>
    /// <param name="time">Clock; default <see cref="TimeProvider.System"/>.</param>
    public AckVerifier(string actuatorId, DSA actuatorPublicKey, Func<string, bool> topicAllowed, ReplayStore replayStore,
        TimeSpan freshness, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(actuatorPublicKey);
        ArgumentNullException.ThrowIfNull(topicAllowed);
        ArgumentNullException.ThrowIfNull(replayStore);
        DeviceIds.Require(actuatorId, nameof(actuatorId));
        KeyChecks.RequireDsa2048(actuatorPublicKey, nameof(actuatorPublicKey));
        ArgumentOutOfRangeException.ThrowIfLessThan(freshness, TimeSpan.Zero);
        _actuatorIdBytes = Encoding.ASCII.GetBytes(actuatorId);
        _actuatorKey = actuatorPublicKey;
        _keyId = AckEnvelope.KeyIdOf(actuatorPublicKey);
        _topicAllowed = topicAllowed;
        _replay = replayStore;
        _slot = replayStore.OpenSlot(actuatorId, out ulong highest);
        _window = ReplayWindow.Restored(highest);
        _time = time ?? TimeProvider.System;
        _freshnessMs = (long)freshness.TotalMilliseconds;
    }

    /// <summary>Highest acknowledgement counter accepted so far.</summary>
    public ulong HighestCounter
    {
        get
        {
            lock (_lock)
            {
                return _window.Highest;
            }
        }
    }

    public AckVerification Verify(string topic, ReadOnlySpan<byte> wire)
    {
        if (wire.Length > EnvelopeFormat.MaxMessageSize)
        {
            return AckVerification.Reject(RejectReasons.Oversize, "message larger than 4096 bytes");
        }

        int minimum = EnvelopeFormat.FixedHeaderSize + 1 + 2 + EnvelopeFormat.SignatureSize;
        if (wire.Length < minimum || wire[0] != EnvelopeFormat.Version || wire[1] != (byte)EnvelopeType.Acknowledgement)
        {
            return AckVerification.Reject(RejectReasons.Malformed, "not a v1 acknowledgement");
        }

        int idLen = wire[2];
        int h = EnvelopeFormat.FixedHeaderSize + idLen;
        if (idLen is 0 or > EnvelopeFormat.MaxSenderIdLength || wire.Length < h + 2 + EnvelopeFormat.SignatureSize)
        {
            return AckVerification.Reject(RejectReasons.Malformed, "sender id length out of range or truncated header");
        }

        int n = BinaryPrimitives.ReadUInt16BigEndian(wire[h..]);
        if (n == 0 || h + 2 + n + EnvelopeFormat.SignatureSize != wire.Length)
        {
            return AckVerification.Reject(RejectReasons.Malformed, "body length does not match message length");
        }

        ReadOnlySpan<byte> id = wire.Slice(3, idLen);
        if (id.Length != _actuatorIdBytes.Length || !CryptographicOperations.FixedTimeEquals(id, _actuatorIdBytes))
        {
            return AckVerification.Reject(RejectReasons.UnknownSender, "acknowledgement not from the actuator");
        }

        uint keyId = BinaryPrimitives.ReadUInt32BigEndian(wire[(3 + idLen)..]);
        ulong counter = BinaryPrimitives.ReadUInt64BigEndian(wire[(7 + idLen)..]);
        long timestamp = BinaryPrimitives.ReadInt64BigEndian(wire[(15 + idLen)..]);
        if (counter == 0)
        {
            return AckVerification.Reject(RejectReasons.Malformed, "counter 0 is reserved");
        }

        if (topic is null || !_topicAllowed(topic))
        {
            return AckVerification.Reject(RejectReasons.WrongTopic, "not an acknowledgement topic of this device");
        }

        if (keyId != _keyId)
        {
            return AckVerification.Reject(RejectReasons.UnknownKey, "not the actuator's signing key");
        }

        Span<byte> binding = stackalloc byte[EnvelopeFormat.MaxTopicLength + 2];
        int bindingLen = EnvelopeFormat.WriteTopicBinding(topic, binding);
        if (bindingLen < 0)
        {
            return AckVerification.Reject(RejectReasons.Malformed, "topic empty or longer than 512 UTF-8 bytes");
        }

        lock (_lock)
        {
            if (!_window.Check(counter))
            {
                return AckVerification.Reject(RejectReasons.Replay, "counter already seen or below the replay window");
            }

            long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            if (timestamp < now - _freshnessMs || timestamp > now + _freshnessMs)
            {
                return AckVerification.Reject(RejectReasons.Stale, "timestamp outside the freshness window");
            }

            int sigOff = h + 2 + n;
            Span<byte> hash = stackalloc byte[32];
            SignatureInput.Hash(wire[..sigOff], binding[..bindingLen], hash);
            bool valid;
            try
            {
                valid = _actuatorKey.VerifySignature(hash, wire[sigOff..], DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }
            catch (CryptographicException)
            {
                valid = false;
            }

            if (!valid)
            {
                return AckVerification.Reject(RejectReasons.BadSignature, "DSA signature does not verify under the actuator's key");
            }

            ulong before = _window.Highest;
            _window.Commit(counter);
            if (_window.Highest != before)
            {
                _replay.Store(_slot, _window.Highest);
            }

            return new AckVerification(wire.Slice(h + 2, n).ToArray(), null, null, counter);
        }
    }
}
