using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace SmartHome.Security;

/// <summary>
/// Verifies and decrypts v2 messages (<see cref="CryptoSuite.Modern"/>, <see cref="CryptoSuite.SessionSigned"/>) through
/// one entry point, <see cref="Receive"/>, with v1's order of checks (cheapest first; the replay window is committed only
/// after everything passed). A session key remembers the suite it was announced in: a data message claiming another
/// suite under it is <c>suite-not-allowed</c> before any cryptography. Which suites a device may use at all is decided in
/// front of this receiver (<see cref="SuiteGate"/>). Thread-safe; one lock per sender.
/// </summary>
public sealed class SuiteEnvelopeReceiver : IDisposable
{
    private readonly Key _agreementKey;
    private readonly PublicKey _agreementPublic;
    private readonly byte[] _fingerprint;
    private readonly ReplayStore _replay;
    private readonly TimeProvider _time;
    private readonly long _freshnessMs;
    private readonly long _minAnnouncementIntervalMs;
    private readonly TopicRule _topicRule;
    private readonly PerSecondBudget _failureBudget;
    private readonly AnnouncementFiles? _announcements;
    private readonly Dictionary<string, SenderState> _senders = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SenderState>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    /// <param name="agreementKey">The actuator's static X25519 private key. Not disposed by the receiver.</param>
    /// <param name="senders">Device id → its Ed25519 public key.</param>
    public SuiteEnvelopeReceiver(Key agreementKey, IEnumerable<KeyValuePair<string, PublicKey>> senders, ReplayStore replay,
        EnvelopeReceiverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(agreementKey);
        ArgumentNullException.ThrowIfNull(senders);
        ArgumentNullException.ThrowIfNull(replay);
        if (agreementKey.Algorithm != SuiteFormat.Agreement)
        {
            throw new ArgumentException("Expected an X25519 private key.", nameof(agreementKey));
        }
        options ??= new EnvelopeReceiverOptions();
        _agreementKey = agreementKey;
        _agreementPublic = agreementKey.PublicKey;
        _fingerprint = SuiteFormat.Fingerprint(_agreementPublic);
        _replay = replay;
        _time = options.Time;
        _freshnessMs = (long)options.FreshnessWindow.TotalMilliseconds;
        _minAnnouncementIntervalMs = (long)options.MinAnnouncementInterval.TotalMilliseconds;
        _topicRule = options.TopicRule;
        _failureBudget = new PerSecondBudget(options.FailedAnnouncementsPerSecond, _time);
        _announcements = options.AnnouncementDirectory is { } directory ? new AnnouncementFiles(directory) : null;
        foreach (var (id, key) in senders)
        {
            DeviceIds.Require(id, nameof(senders));
            if (key.Algorithm != SuiteFormat.Signature)
            {
                throw new ArgumentException($"Sender '{id}' has no Ed25519 public key.", nameof(senders));
            }
            // Give v2 its own store (the actuator uses actuator-replay-v2.bin): a device has one window per protocol version.
            int slot = replay.OpenSlot(id, out ulong highest);
            var state = new SenderState(id, key, slot, highest, new PerSecondBudget(options.AnnouncementsPerSenderPerSecond, _time));
            _senders[id] = state;
            foreach (var (topic, wire) in _announcements?.Kept(id) ?? [])
            {
                RestoreAnnouncement(state, topic, wire);
            }
        }
        _lookup = _senders.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The fingerprint announcements must carry: SHA-256(this receiver's X25519 SPKI DER)[0..8].</summary>
    public ReadOnlySpan<byte> Fingerprint => _fingerprint;

    public ReceiveResult Receive(string? topic, ReadOnlySpan<byte> wire)
    {
        if (wire.Length > EnvelopeFormat.MaxMessageSize)
        {
            return ReceiveResult.Reject(RejectReasons.Oversize, "message larger than 4096 bytes");
        }
        if (!ParsedSuiteEnvelope.TryParse(wire, out ParsedSuiteEnvelope msg, out string detail))
        {
            return ReceiveResult.Reject(RejectReasons.Malformed, detail);
        }
        Span<byte> binding = stackalloc byte[EnvelopeFormat.MaxTopicLength + 2];
        int bindingLen = topic is null ? -1 : EnvelopeFormat.WriteTopicBinding(topic, binding);
        if (bindingLen < 0)
        {
            return ReceiveResult.Reject(RejectReasons.Malformed, "topic missing or longer than 512 bytes");
        }
        binding = binding[..bindingLen];
        Span<char> idChars = stackalloc char[EnvelopeFormat.MaxSenderIdLength];
        int idLen = Encoding.ASCII.GetChars(msg.SenderId, idChars);
        if (!_lookup.TryGetValue(idChars[..idLen], out SenderState? sender))
        {
            return ReceiveResult.Reject(RejectReasons.UnknownSender, "sender id not in the directory");
        }
        if (!_topicRule(topic!, sender.Id, msg.Type))
        {
            return sender.Rejected(RejectReasons.WrongTopic, "topic does not belong to this sender");
        }
        lock (sender.Lock)
        {
            return msg.Type == EnvelopeType.Data ? ReceiveData(sender, in msg, binding) : ReceiveAnnouncement(sender, in msg, binding, topic!, wire);
        }
    }

    private ReceiveResult ReceiveData(SenderState sender, in ParsedSuiteEnvelope msg, ReadOnlySpan<byte> binding)
    {
        SessionKey? key = sender.FindKey(msg.KeyId);
        if (key is null)
        {
            return sender.Rejected(RejectReasons.UnknownKey, "no accepted session key with this key id");
        }
        if (key.Suite != msg.Suite)
        {
            // E.g. a modern message stripped of its signature and relabelled session-signed.
            return sender.Rejected(RejectReasons.SuiteNotAllowed, "data claims another suite than its session key was announced in");
        }
        if (!FreshAndNew(sender, msg.Counter, msg.TimestampMs, out ReceiveResult rejected))
        {
            return rejected;
        }
        Span<byte> aad = stackalloc byte[msg.Header.Length + binding.Length];
        msg.Header.CopyTo(aad);
        binding.CopyTo(aad[msg.Header.Length..]);
        Span<byte> nonce = stackalloc byte[EnvelopeFormat.NonceSize];
        EnvelopeFormat.WriteNonce(key.Salt, msg.Counter, nonce);
        byte[] plaintext = msg.Ciphertext.Length == 0 ? [] : new byte[msg.Ciphertext.Length];
        try
        {
            key.Aes.Decrypt(nonce, msg.Ciphertext, msg.Tag, plaintext, aad);
        }
        catch (CryptographicException)
        {
            return sender.Rejected(RejectReasons.GcmTag, "AES-GCM authentication failed");
        }
        // Modern: GCM proves the session key, the signature the device. Session-signed stops at GCM (docs/PROTOCOL.md).
        if (msg.Suite == CryptoSuite.Modern && !SuiteFormat.Verify(sender.PublicKey, msg.Signed, binding, msg.Signature))
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return sender.Rejected(RejectReasons.BadSignature, "Ed25519 signature does not verify under the sender's key");
        }
        Commit(sender, msg.Counter);
        return new ReceiveResult
        {
            Outcome = ReceiveOutcome.Data,
            SenderId = sender.Id,
            Counter = msg.Counter,
            KeyId = msg.KeyId,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(msg.TimestampMs),
            Plaintext = plaintext,
        };
    }

    private ReceiveResult ReceiveAnnouncement(SenderState sender, in ParsedSuiteEnvelope msg, ReadOnlySpan<byte> binding, string topic,
        ReadOnlySpan<byte> wire)
    {
        if (!CryptographicOperations.FixedTimeEquals(msg.Fingerprint, _fingerprint))
        {
            return sender.Rejected(RejectReasons.UnknownKey, "announcement is agreed with a different recipient key");
        }
        if (!FreshAndNew(sender, msg.Counter, msg.TimestampMs, out ReceiveResult rejected))
        {
            return rejected;
        }
        if (sender.LastAnnouncementMs != 0 && msg.TimestampMs - sender.LastAnnouncementMs < _minAnnouncementIntervalMs)
        {
            return sender.Rejected(RejectReasons.RateLimited, "stamped too soon after its last accepted session key; not verified");
        }
        if (!_failureBudget.HasRoom() || !sender.AnnouncementBudget.TrySpend(out _))
        {
            return sender.Rejected(RejectReasons.RateLimited, "too many announcements in the last second; not verified");
        }
        if (!SuiteFormat.Verify(sender.PublicKey, msg.Signed, binding, msg.Signature))
        {
            _failureBudget.Spend();
            return sender.Rejected(RejectReasons.BadSignature, "Ed25519 signature does not verify under the sender's key");
        }
        if (!DeriveAndInstall(sender, in msg))
        {
            _failureBudget.Spend();
            return sender.Rejected(RejectReasons.BadKey, "ephemeral X25519 key gives no usable shared secret");
        }
        _announcements?.Keep(sender.Id, topic, wire);
        sender.LastAnnouncementMs = msg.TimestampMs;
        Commit(sender, msg.Counter);
        return new ReceiveResult
        {
            Outcome = ReceiveOutcome.KeyAccepted,
            SenderId = sender.Id,
            Counter = msg.Counter,
            KeyId = msg.KeyId,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(msg.TimestampMs),
        };
    }

    /// <summary>Agrees the session key of a verified announcement and installs it; false if the ephemeral key is unusable.</summary>
    private bool DeriveAndInstall(SenderState sender, in ParsedSuiteEnvelope msg)
    {
        Span<byte> derived = stackalloc byte[SuiteFormat.DerivedSize];
        try
        {
            if (!PublicKey.TryImport(SuiteFormat.Agreement, msg.EphemeralKey, KeyBlobFormat.RawPublicKey, out PublicKey? ephemeral)
                || ephemeral is null
                || !SuiteFormat.Derive(_agreementKey, ephemeral, msg.Signed, derived))
            {
                return false;
            }
            sender.Install(new SessionKey(msg.KeyId, msg.Suite, derived, msg.Counter));
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived);
        }
    }

    /// <summary>
    /// Re-installs a kept announcement after a restart: format, sender, topic, recipient fingerprint and Ed25519 signature
    /// are checked again; replay and freshness are not (it was accepted before, and it is older by nature).
    /// </summary>
    private void RestoreAnnouncement(SenderState sender, string topic, ReadOnlySpan<byte> wire)
    {
        if (!ParsedSuiteEnvelope.TryParse(wire, out ParsedSuiteEnvelope msg, out _) || msg.Type != EnvelopeType.KeyAnnouncement
            || !string.Equals(Encoding.ASCII.GetString(msg.SenderId), sender.Id, StringComparison.Ordinal)
            || !_topicRule(topic, sender.Id, msg.Type)
            || !CryptographicOperations.FixedTimeEquals(msg.Fingerprint, _fingerprint))
        {
            return;
        }
        Span<byte> binding = stackalloc byte[EnvelopeFormat.MaxTopicLength + 2];
        int bindingLength = EnvelopeFormat.WriteTopicBinding(topic, binding);
        if (bindingLength < 0 || !SuiteFormat.Verify(sender.PublicKey, msg.Signed, binding[..bindingLength], msg.Signature)
            || !DeriveAndInstall(sender, in msg))
        {
            return;
        }
        sender.LastAnnouncementMs = msg.TimestampMs;
    }

    private bool FreshAndNew(SenderState sender, ulong counter, long timestampMs, out ReceiveResult rejected)
    {
        if (!sender.Window.Check(counter))
        {
            rejected = sender.Rejected(RejectReasons.Replay, "counter already seen or below the replay window");
            return false;
        }
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (timestampMs < now - _freshnessMs || timestampMs > now + _freshnessMs)
        {
            rejected = sender.Rejected(RejectReasons.Stale, "timestamp outside the freshness window");
            return false;
        }
        rejected = default;
        return true;
    }

    private void Commit(SenderState sender, ulong counter)
    {
        ulong before = sender.Window.Highest;
        sender.Window.Commit(counter);
        if (sender.Window.Highest != before)
        {
            _replay.Store(sender.Slot, sender.Window.Highest);
        }
        sender.Accepted++;
        sender.LastAcceptedMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
    }

    /// <summary>
    /// Every sender's replay window and key state (ordered by sender id), in the seed receiver's row type. A row's suite is
    /// that of its current session key; null before the sender's first accepted announcement (the caller knows its policy).
    /// </summary>
    public IReadOnlyList<ReplayWindowSnapshot> SnapshotReplayState()
    {
        var list = new List<ReplayWindowSnapshot>(_senders.Count);
        foreach (var s in _senders.Values)
        {
            lock (s.Lock)
            {
                list.Add(new ReplayWindowSnapshot(
                    s.Id,
                    s.Current?.Suite.Name(),
                    s.Window.Highest,
                    s.Window.SeenInWindow(),
                    ReplayWindow.Size,
                    s.Current?.KeyId ?? 0,
                    s.Accepted,
                    Interlocked.Read(ref s.RejectedCount),
                    s.LastAcceptedMs == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(s.LastAcceptedMs)));
            }
        }
        list.Sort(static (a, b) => string.CompareOrdinal(a.SenderId, b.SenderId));
        return list;
    }

    public void Dispose()
    {
        foreach (var s in _senders.Values)
        {
            lock (s.Lock)
            {
                s.Current?.Dispose();
                s.Previous?.Dispose();
                s.Current = s.Previous = null;
            }
        }
    }

    private sealed class SenderState(string id, PublicKey publicKey, int slot, ulong highest, PerSecondBudget announcementBudget)
    {
        public readonly string Id = id;
        public readonly PublicKey PublicKey = publicKey;
        public readonly int Slot = slot;
        public readonly object Lock = new();
        public ReplayWindow Window = ReplayWindow.Restored(highest);
        public SessionKey? Current;
        public SessionKey? Previous;
        public long LastAnnouncementMs;
        public readonly PerSecondBudget AnnouncementBudget = announcementBudget;

        public SessionKey? FindKey(uint keyId) =>
            Current?.KeyId == keyId ? Current : Previous?.KeyId == keyId ? Previous : null;

        public void Install(SessionKey key)
        {
            if (Current is null || key.AnnouncedAt > Current.AnnouncedAt)
            {
                Previous?.Dispose();
                Previous = Current;
                Current = key;
            }
            else
            {
                Previous?.Dispose();
                Previous = key;
            }
        }

        public long Accepted;
        /// <summary>Counted with Interlocked: some rejections (wrong topic) happen outside the sender's lock.</summary>
        public long RejectedCount;
        public long LastAcceptedMs;

        public ReceiveResult Rejected(string reason, string detail)
        {
            Interlocked.Increment(ref RejectedCount);
            return ReceiveResult.Reject(reason, detail, Id);
        }
    }

    private sealed class SessionKey : IDisposable
    {
        public SessionKey(uint keyId, CryptoSuite suite, ReadOnlySpan<byte> derived, ulong announcedAt)
        {
            KeyId = keyId;
            Suite = suite;
            Aes = new AesGcm(derived[..EnvelopeFormat.SessionKeySize], EnvelopeFormat.TagSize);
            Salt = derived[EnvelopeFormat.SessionKeySize..].ToArray();
            AnnouncedAt = announcedAt;
        }

        public uint KeyId { get; }
        public CryptoSuite Suite { get; }
        public AesGcm Aes { get; }
        public byte[] Salt { get; }
        public ulong AnnouncedAt { get; }

        public void Dispose() => Aes.Dispose();
    }
}
