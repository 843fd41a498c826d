using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SmartHome.Security;

/// <summary>
/// Layout of the acknowledgement envelope (type 0x03, docs/PROTOCOL.md "Acknowledgement"): the header of the device's
/// protocol version with the actuator as sender, then <c>u16 N ‖ body[N] ‖ signature[64]</c> (v1: DSA-2048, seed;
/// v2: Ed25519, a v2 suite; <see cref="IAckScheme"/>). The body (which readings were applied or refused) is not secret and
/// not encrypted; the signature over header, body and topic binding makes it the actuator's.
/// </summary>
public static class AckEnvelope
{
    /// <summary>Largest body a v1 acknowledgement of a sender id of this length can carry.</summary>
    public static int MaxBodyLength(int senderIdLength) =>
        EnvelopeFormat.MaxMessageSize - (EnvelopeFormat.FixedHeaderSize + senderIdLength + 2 + EnvelopeFormat.SignatureSize);

    /// <summary>Largest body an acknowledgement in <paramref name="scheme"/> of a sender id of this length can carry.</summary>
    public static int MaxBodyLength(IAckScheme scheme, int senderIdLength)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        return EnvelopeFormat.MaxMessageSize - (scheme.HeaderSize(senderIdLength) + 2 + scheme.SignatureSize);
    }

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

    /// <summary>Key id of an Ed25519 acknowledgement key: the same rule over its SubjectPublicKeyInfo DER.</summary>
    public static uint KeyIdOf(NSec.Cryptography.PublicKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        uint id = BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(key.Export(NSec.Cryptography.KeyBlobFormat.PkixPublicKey)));
        return id == 0 ? 1 : id;
    }
}

/// <summary>
/// The actuator's side: signs acknowledgement bodies in one <see cref="IAckScheme"/> with the actuator's persisted
/// <see cref="AckCounter"/>. Thread-safe.
/// </summary>
public sealed class AckSigner
{
    private readonly IAckScheme _scheme;
    private readonly AckCounter _counter;
    private readonly byte[] _senderIdBytes;
    private readonly TimeProvider _time;

    /// <param name="scheme">Layout and signature (its key must be the private one).</param>
    /// <param name="counter">The actuator's counter (shared by all its signers); its sender id goes in the header.</param>
    /// <param name="time">Clock for timestamps; default <see cref="TimeProvider.System"/>.</param>
    public AckSigner(IAckScheme scheme, AckCounter counter, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        ArgumentNullException.ThrowIfNull(counter);
        _scheme = scheme;
        _counter = counter;
        _senderIdBytes = Encoding.ASCII.GetBytes(counter.SenderId);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The seed suite's signer: v1 acknowledgements signed with the actuator's DSA-2048 key.</summary>
    /// <param name="senderId">The actuator's identity (its broker account, <c>actuator</c>).</param>
    /// <param name="signingKey">Its DSA-2048 private key (not disposed by the signer).</param>
    /// <param name="counters">Where its counter reservations persist.</param>
    /// <param name="time">Clock for timestamps; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="counterBlockSize">Counters reserved per durable write.</param>
    public AckSigner(string senderId, DSA signingKey, CounterStore counters, TimeProvider? time = null, int counterBlockSize = CounterStore.DefaultBlockSize)
        : this(new DsaAckScheme(signingKey), new AckCounter(senderId, counters, counterBlockSize), time)
    {
    }

    public string SenderId => _counter.SenderId;

    /// <summary>The suite whose devices this signer acknowledges.</summary>
    public CryptoSuite Suite => _scheme.Suite;

    /// <summary>Seals <paramref name="body"/> for <paramref name="topic"/> (the device's acknowledgement topic).</summary>
    public byte[] Seal(string topic, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(topic);
        int idLen = _senderIdBytes.Length;
        int maxBody = AckEnvelope.MaxBodyLength(_scheme, idLen);
        if (body.Length == 0 || body.Length > maxBody)
        {
            throw new ArgumentException($"Acknowledgement body must be 1..{maxBody} bytes.", nameof(body));
        }

        Span<byte> binding = stackalloc byte[EnvelopeFormat.MaxTopicLength + 2];
        int bindingLen = EnvelopeFormat.WriteTopicBinding(topic, binding);
        if (bindingLen < 0)
        {
            throw new ArgumentException($"Topic must be 1..{EnvelopeFormat.MaxTopicLength} UTF-8 bytes.", nameof(topic));
        }

        int h = _scheme.HeaderSize(idLen);
        byte[] message = new byte[h + 2 + body.Length + _scheme.SignatureSize];
        Span<byte> m = message;
        _scheme.WriteHeader(m, _senderIdBytes, _counter.Next(), _time.GetUtcNow().ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteUInt16BigEndian(m[h..], (ushort)body.Length);
        body.CopyTo(m[(h + 2)..]);
        int sigOff = h + 2 + body.Length;
        _scheme.Sign(m[..sigOff], binding[..bindingLen], m[sigOff..]);
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
/// A device's side: accepts only acknowledgements in its <see cref="IAckScheme"/> (the other version or suite is
/// <see cref="RejectReasons.SuiteNotAllowed"/>: no downgrade), signed by the actuator's key, on the acknowledgement topic
/// they were sealed for, fresh, and never twice (<see cref="AckReplayGuard"/>). Checks run cheapest first; the window is
/// committed only after the signature verified. Thread-safe; never throws.
/// </summary>
public sealed class AckVerifier
{
    private readonly IAckScheme _scheme;
    private readonly AckReplayGuard _guard;
    private readonly byte[] _actuatorIdBytes;
    private readonly Func<string, bool> _topicAllowed;

    /// <param name="scheme">Layout and signature of the acknowledgements this verifier's devices get (the actuator's public key).</param>
    /// <param name="guard">Freshness and the replay window over the actuator's counter (shared by a process's verifiers).</param>
    /// <param name="topicAllowed">True for the acknowledgement topics of the devices this verifier speaks for.</param>
    public AckVerifier(IAckScheme scheme, AckReplayGuard guard, Func<string, bool> topicAllowed)
    {
        ArgumentNullException.ThrowIfNull(scheme);
        ArgumentNullException.ThrowIfNull(guard);
        ArgumentNullException.ThrowIfNull(topicAllowed);
        _scheme = scheme;
        _guard = guard;
        _actuatorIdBytes = Encoding.ASCII.GetBytes(guard.ActuatorId);
        _topicAllowed = topicAllowed;
    }

    /// <summary>The seed suite's verifier: v1 acknowledgements under the actuator's DSA-2048 key, with its own replay guard.</summary>
    /// <param name="actuatorId">The sender id acknowledgements must carry (<c>actuator</c>).</param>
    /// <param name="actuatorPublicKey">The actuator's DSA-2048 public key.</param>
    /// <param name="topicAllowed">True for the acknowledgement topics of the devices this process speaks for.</param>
    /// <param name="replayStore">Where the highest accepted counter persists (a restarted device keeps refusing old ones).</param>
    /// <param name="freshness">Accepted clock difference of the acknowledgement's timestamp, either way.</param>
    /// <param name="time">Clock; default <see cref="TimeProvider.System"/>.</param>
    public AckVerifier(string actuatorId, DSA actuatorPublicKey, Func<string, bool> topicAllowed, ReplayStore replayStore,
        TimeSpan freshness, TimeProvider? time = null)
        : this(new DsaAckScheme(actuatorPublicKey), new AckReplayGuard(actuatorId, replayStore, freshness, time), topicAllowed)
    {
    }

    /// <summary>Highest acknowledgement counter accepted so far.</summary>
    public ulong HighestCounter => _guard.HighestCounter;

    /// <summary>The suite whose acknowledgements this verifier accepts.</summary>
    public CryptoSuite Suite => _scheme.Suite;

    public AckVerification Verify(string topic, ReadOnlySpan<byte> wire)
    {
        if (wire.Length > EnvelopeFormat.MaxMessageSize)
        {
            return AckVerification.Reject(RejectReasons.Oversize, "message larger than 4096 bytes");
        }

        if (!_scheme.TryReadHeader(wire, out var header, out var reason, out var detail))
        {
            return AckVerification.Reject(reason, detail);
        }

        int h = header.Length;
        int n = BinaryPrimitives.ReadUInt16BigEndian(wire[h..]);
        if (n == 0 || h + 2 + n + _scheme.SignatureSize != wire.Length)
        {
            return AckVerification.Reject(RejectReasons.Malformed, "body length does not match message length");
        }

        ReadOnlySpan<byte> id = wire.Slice(header.SenderIdOffset, header.SenderIdLength);
        if (id.Length != _actuatorIdBytes.Length || !CryptographicOperations.FixedTimeEquals(id, _actuatorIdBytes))
        {
            return AckVerification.Reject(RejectReasons.UnknownSender, "acknowledgement not from the actuator");
        }

        if (header.Counter == 0)
        {
            return AckVerification.Reject(RejectReasons.Malformed, "counter 0 is reserved");
        }

        if (topic is null || !_topicAllowed(topic))
        {
            return AckVerification.Reject(RejectReasons.WrongTopic, "not an acknowledgement topic of this device");
        }

        if (header.KeyId != _scheme.KeyId)
        {
            return AckVerification.Reject(RejectReasons.UnknownKey, "not the actuator's signing key");
        }

        Span<byte> binding = stackalloc byte[EnvelopeFormat.MaxTopicLength + 2];
        int bindingLen = EnvelopeFormat.WriteTopicBinding(topic, binding);
        if (bindingLen < 0)
        {
            return AckVerification.Reject(RejectReasons.Malformed, "topic empty or longer than 512 UTF-8 bytes");
        }

        if (_guard.Check(header.Counter, header.TimestampMs) is { } refused)
        {
            return refused;
        }

        int sigOff = h + 2 + n;
        if (!_scheme.Verify(wire[..sigOff], binding[..bindingLen], wire[sigOff..]))
        {
            return AckVerification.Reject(RejectReasons.BadSignature, $"{_scheme.SignatureName} signature does not verify under the actuator's key");
        }

        return _guard.TryCommit(header.Counter)
            ? new AckVerification(wire.Slice(h + 2, n).ToArray(), null, null, header.Counter)
            : AckVerification.Reject(RejectReasons.Replay, "counter already seen or below the replay window");
    }
}
