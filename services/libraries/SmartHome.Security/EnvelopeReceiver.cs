using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace SmartHome.Security;

/// <summary>Receiver settings.</summary>
public sealed record EnvelopeReceiverOptions
{
    /// <summary>Accepted clock difference between a message's timestamp and the receiver's clock, either way (default 30 s).</summary>
    public TimeSpan FreshnessWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Clock (default <see cref="TimeProvider.System"/>).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Topic-to-sender binding (default: last topic segment equals the sender id).</summary>
    public TopicRule TopicRule { get; init; } = TopicRules.LastSegmentIsSender;

    /// <summary>
    /// Where accepted announcements are kept (null: nowhere), so a restarted receiver still holds the session
    /// keys its senders use and queued readings decrypt. The files hold the announcements as received — the
    /// session keys in them stay wrapped under the recipient's RSA key — and are re-verified on restore.
    /// </summary>
    public string? AnnouncementDirectory { get; init; }

    /// <summary>
    /// Announcements of one sender that may reach signature verification and RSA unwrap per second, valid or not;
    /// further ones are refused unverified (<see cref="RejectReasons.RateLimited"/>). Each costs ≈ 0.4 ms (DSA) plus
    /// ≈ 2 ms (RSA) when it gets that far, so one key holder can make the receiver spend at most ≈ 1.5 % of a core.
    /// Legit senders announce a few times an hour.
    /// </summary>
    public int AnnouncementsPerSenderPerSecond { get; init; } = 5;

    /// <summary>
    /// Least time between the signed timestamps of two accepted announcements of one sender; an announcement stamped
    /// closer than that is refused unverified. A sender rotates its session key after thousands of messages or minutes,
    /// and stamps its rotations at least <see cref="EnvelopeFormat.MinAnnouncementIntervalMs"/> apart.
    /// </summary>
    public TimeSpan MinAnnouncementInterval { get; init; } = TimeSpan.FromMilliseconds(EnvelopeFormat.MinAnnouncementIntervalMs);

    /// <summary>
    /// Failed announcements (bad signature, or a wrapped key that does not unwrap) over all senders together per second:
    /// ≈ 100 × 2.4 ms caps the work many stolen keys can cause. One sender's own budget is far below it, so one
    /// sender's failures cannot use it up for the others.
    /// </summary>
    public int FailedAnnouncementsPerSecond { get; init; } = 100;
}

/// <summary>Replay and key state of one sender in one suite, for dashboards (the actuator's <c>GET /replay-window</c> row).</summary>
/// <param name="SenderId">The device.</param>
/// <param name="Suite">
/// The suite of this receiver's state (<see cref="CryptoSuites.Names"/>): <c>seed</c> for the v1 receiver, the current
/// session key's suite for the v2 one. A device allowed seed and a v2 suite has a row for each.
/// </param>
/// <param name="HighestCounter">Highest accepted counter.</param>
/// <param name="SeenInWindow">Counters accepted within the replay window below the highest.</param>
/// <param name="WindowSize">The replay window's size.</param>
/// <param name="CurrentKeyId">The current session key's id; 0 before the first accepted announcement.</param>
/// <param name="Accepted">Messages accepted (data and announcements).</param>
/// <param name="Rejected">Messages of this sender rejected by this receiver.</param>
/// <param name="LastAccepted">When the last message was accepted.</param>
public sealed record ReplayWindowSnapshot(
    string SenderId,
    string? Suite,
    ulong HighestCounter,
    int SeenInWindow,
    int WindowSize,
    uint CurrentKeyId,
    long Accepted,
    long Rejected,
    DateTimeOffset? LastAccepted);

/// <summary>
/// Verifies and decrypts announcements and data messages through one entry point, <see cref="Receive"/>.
/// Thread-safe: messages of different senders are processed in parallel; messages of one sender are
/// serialized by that sender's lock (so the check-verify-commit of its replay window is atomic).
/// Checks run cheapest first, so forged floods cost microseconds, not DSA verifications: size, format, known
/// sender, topic binding, key id, replay window, freshness, then for data AES-GCM (≈1 µs; only the sender and
/// this receiver hold the session key) before the DSA signature (≈0.4 ms), and for announcements a minimum interval
/// and a per-sender budget (valid or not) plus a global budget of failures, all before DSA and RSA unwrap. The replay window is committed only
/// after everything passed.
/// </summary>
public sealed class EnvelopeReceiver : IDisposable
{
    private readonly RSA _recipientKey;
    private readonly byte[] _fingerprint;
    private readonly ReplayStore _replay;
    private readonly TimeProvider _time;
    private readonly long _freshnessMs;
    private readonly TopicRule _topicRule;
    private readonly ConcurrentDictionary<string, SenderState> _senders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SenderState>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly object _rsaLock = new();
    private readonly AnnouncementFiles? _announcements;
    private readonly PerSecondBudget _failureBudget;
    private readonly int _announcementsPerSender;
    private readonly long _minAnnouncementIntervalMs;

    /// <param name="recipientPrivateKey">The actuator's RSA private key (not disposed by the receiver).</param>
    /// <param name="senders">Sender directory: id → DSA-2048 public key (keys not disposed by the receiver).</param>
    /// <param name="replayStore">Where highest counters persist (not disposed by the receiver; must outlive it).</param>
    /// <param name="options">Freshness window, clock, topic rule.</param>
    public EnvelopeReceiver(RSA recipientPrivateKey, IEnumerable<KeyValuePair<string, DSA>> senders, ReplayStore replayStore, EnvelopeReceiverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(recipientPrivateKey);
        ArgumentNullException.ThrowIfNull(senders);
        ArgumentNullException.ThrowIfNull(replayStore);
        KeyChecks.RequireRsa(recipientPrivateKey, nameof(recipientPrivateKey));
        options ??= new EnvelopeReceiverOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.FreshnessWindow, TimeSpan.Zero);
        _recipientKey = recipientPrivateKey;
        _fingerprint = KeyChecks.Fingerprint(recipientPrivateKey);
        _replay = replayStore;
        _time = options.Time;
        _freshnessMs = (long)options.FreshnessWindow.TotalMilliseconds;
        _topicRule = options.TopicRule;
        _announcements = options.AnnouncementDirectory is { } directory ? new AnnouncementFiles(directory) : null;
        ArgumentOutOfRangeException.ThrowIfLessThan(options.AnnouncementsPerSenderPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.FailedAnnouncementsPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MinAnnouncementInterval, TimeSpan.Zero);
        _announcementsPerSender = options.AnnouncementsPerSenderPerSecond;
        _minAnnouncementIntervalMs = (long)options.MinAnnouncementInterval.TotalMilliseconds;
        _failureBudget = new PerSecondBudget(options.FailedAnnouncementsPerSecond, _time);
        _lookup = _senders.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var (id, key) in senders)
        {
            AddSender(id, key);
        }
    }

    /// <summary>Number of known senders.</summary>
    public int SenderCount => _senders.Count;

    /// <summary>Adds a sender to the directory (thread-safe). Returns false if the id is already known.</summary>
    public bool AddSender(string senderId, DSA publicKey)
    {
        ArgumentNullException.ThrowIfNull(senderId);
        ArgumentNullException.ThrowIfNull(publicKey);
        DeviceIds.Require(senderId, nameof(senderId));
        KeyChecks.RequireDsa2048(publicKey, nameof(publicKey));
        if (_senders.ContainsKey(senderId))
        {
            return false;
        }
        int slot = _replay.OpenSlot(senderId, out ulong highest);
        var state = new SenderState(senderId, publicKey, slot, highest, new PerSecondBudget(_announcementsPerSender, _time));
        if (!_senders.TryAdd(senderId, state))
        {
            return false;
        }

        lock (state.Lock)
        {
            foreach (var (topic, wire) in _announcements?.Kept(senderId) ?? [])
            {
                RestoreAnnouncement(state, topic, wire);
            }
        }

        return true;
    }

    /// <summary>
    /// Re-installs a kept announcement after a restart: format, recipient, topic binding and DSA signature are
    /// checked again; replay and freshness are not (it was accepted before, and it is older by nature).
    /// </summary>
    private void RestoreAnnouncement(SenderState sender, string topic, ReadOnlySpan<byte> wire)
    {
        if (!ParsedEnvelope.TryParse(wire, out ParsedEnvelope msg, out _) || msg.Type == EnvelopeType.Data
            || !string.Equals(Encoding.ASCII.GetString(msg.SenderId), sender.Id, StringComparison.Ordinal) || !_topicRule(topic, sender.Id, msg.Type))
        {
            return;
        }

        Span<byte> binding = stackalloc byte[EnvelopeFormat.MaxTopicLength + 2];
        int bindingLength = EnvelopeFormat.WriteTopicBinding(topic, binding);
        if (bindingLength < 0 || !SignatureValid(sender, in msg, binding[..bindingLength]))
        {
            return;
        }

        _ = UnwrapAndInstall(sender, in msg);
    }

    /// <summary>
    /// Verifies one message received on <paramref name="topic"/>. Never throws for any input bytes.
    /// </summary>
    public ReceiveResult Receive(string topic, ReadOnlySpan<byte> wire)
    {
        if (wire.Length > EnvelopeFormat.MaxMessageSize)
        {
            return ReceiveResult.Reject(RejectReasons.Oversize, "message larger than 4096 bytes");
        }
        if (!ParsedEnvelope.TryParse(wire, out ParsedEnvelope msg, out string detail))
        {
            return ReceiveResult.Reject(RejectReasons.Malformed, detail);
        }
        Span<byte> binding = stackalloc byte[EnvelopeFormat.MaxTopicLength + 2];
        int bindingLen = topic is null ? -1 : EnvelopeFormat.WriteTopicBinding(topic, binding);
        if (bindingLen < 0)
        {
            return ReceiveResult.Reject(RejectReasons.Malformed, "topic empty or longer than 512 UTF-8 bytes");
        }
        binding = binding[..bindingLen];

        Span<char> idChars = stackalloc char[EnvelopeFormat.MaxSenderIdLength];
        for (int i = 0; i < msg.SenderId.Length; i++)
        {
            idChars[i] = (char)msg.SenderId[i];
        }
        if (!_lookup.TryGetValue(idChars[..msg.SenderId.Length], out SenderState? sender))
        {
            return ReceiveResult.Reject(RejectReasons.UnknownSender, "sender id not in the directory");
        }
        if (!_topicRule(topic!, sender.Id, msg.Type))
        {
            return sender.Rejected(RejectReasons.WrongTopic, "topic does not belong to this sender");
        }

        lock (sender.Lock)
        {
            return msg.Type == EnvelopeType.Data
                ? ReceiveData(sender, in msg, binding)
                : ReceiveAnnouncement(sender, in msg, binding, topic!, wire);
        }
    }

    private ReceiveResult ReceiveData(SenderState sender, in ParsedEnvelope msg, ReadOnlySpan<byte> binding)
    {
        SessionKey? key = sender.FindKey(msg.KeyId);
        if (key is null)
        {
            return sender.Rejected(RejectReasons.UnknownKey, "no accepted session key with this key id");
        }
        if (!FreshAndNew(sender, in msg, out ReceiveResult rejected))
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

        // GCM proves the session key; the signature still proves the device (the receiver holds that key too).
        if (!SignatureValid(sender, in msg, binding))
        {
            CryptographicOperations.ZeroMemory(plaintext);
            return sender.Rejected(RejectReasons.BadSignature, "DSA signature does not verify under the sender's key");
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

    private ReceiveResult ReceiveAnnouncement(SenderState sender, in ParsedEnvelope msg, ReadOnlySpan<byte> binding, string topic, ReadOnlySpan<byte> wire)
    {
        if (!CryptographicOperations.FixedTimeEquals(msg.Fingerprint, _fingerprint))
        {
            return sender.Rejected(RejectReasons.UnknownKey, "announcement is wrapped for a different recipient key");
        }
        if (msg.WrappedKey.Length != _recipientKey.KeySize / 8)
        {
            return sender.Rejected(RejectReasons.Malformed, "wrapped key length does not match the recipient key");
        }
        if (!FreshAndNew(sender, in msg, out ReceiveResult rejected))
        {
            return rejected;
        }
        // Nothing cheap authenticates an announcement, so every one is budgeted before the DSA check and RSA unwrap:
        // a key holder (or a replayer of its traffic) cannot make this receiver do unbounded public-key work.
        if (sender.LastAnnouncementMs != 0 && msg.TimestampMs - sender.LastAnnouncementMs < _minAnnouncementIntervalMs)
        {
            return sender.Rejected(RejectReasons.RateLimited, "stamped too soon after its last accepted session key; not verified");
        }
        if (!_failureBudget.HasRoom() || !sender.AnnouncementBudget.TrySpend(out _))
        {
            return sender.Rejected(RejectReasons.RateLimited, "too many announcements in the last second; not verified");
        }
        if (!SignatureValid(sender, in msg, binding))
        {
            _failureBudget.Spend();
            return sender.Rejected(RejectReasons.BadSignature, "DSA signature does not verify under the sender's key");
        }

        if (!UnwrapAndInstall(sender, in msg))
        {
            // A validly signed announcement whose key does not unwrap cost the RSA work too: a failure like any other.
            _failureBudget.Spend();
            return sender.Rejected(RejectReasons.BadKey, "wrapped session key does not unwrap to 32 bytes");
        }
        sender.LastAnnouncementMs = msg.TimestampMs;
        Commit(sender, msg.Counter);
        _announcements?.Keep(sender.Id, topic, wire);
        return new ReceiveResult
        {
            Outcome = ReceiveOutcome.KeyAccepted,
            SenderId = sender.Id,
            Counter = msg.Counter,
            KeyId = msg.KeyId,
            Timestamp = DateTimeOffset.FromUnixTimeMilliseconds(msg.TimestampMs),
        };
    }

    /// <summary>RSA-OAEP unwrap of the announced session key and its installation; false if it does not unwrap.</summary>
    private bool UnwrapAndInstall(SenderState sender, in ParsedEnvelope msg)
    {
        if (msg.WrappedKey.Length != _recipientKey.KeySize / 8 || !CryptographicOperations.FixedTimeEquals(msg.Fingerprint, _fingerprint))
        {
            return false;
        }

        Span<byte> key = stackalloc byte[512];
        int written;
        bool ok;
        try
        {
            lock (_rsaLock)
            {
                ok = _recipientKey.TryDecrypt(msg.WrappedKey, key, RSAEncryptionPadding.OaepSHA256, out written);
            }
        }
        catch (CryptographicException)
        {
            ok = false;
            written = 0;
        }
        try
        {
            if (!ok || written != EnvelopeFormat.SessionKeySize)
            {
                return false;
            }
            sender.Install(new SessionKey(msg.KeyId, msg.Salt, key[..EnvelopeFormat.SessionKeySize], msg.Counter));
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Replay window and freshness: the checks every message passes before any cryptography.</summary>
    private bool FreshAndNew(SenderState sender, in ParsedEnvelope msg, out ReceiveResult rejected)
    {
        if (!sender.Window.Check(msg.Counter))
        {
            rejected = sender.Rejected(RejectReasons.Replay, "counter already seen or below the replay window");
            return false;
        }
        long now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (msg.TimestampMs < now - _freshnessMs || msg.TimestampMs > now + _freshnessMs)
        {
            rejected = sender.Rejected(RejectReasons.Stale, "timestamp outside the freshness window");
            return false;
        }
        rejected = default;
        return true;
    }

    private static bool SignatureValid(SenderState sender, in ParsedEnvelope msg, ReadOnlySpan<byte> binding)
    {
        Span<byte> hash = stackalloc byte[32];
        SignatureInput.Hash(msg.Signed, binding, hash);
        try
        {
            return sender.PublicKey.VerifySignature(hash, msg.Signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        }
        catch (CryptographicException)
        {
            return false;
        }
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

    /// <summary>Snapshot of every sender's replay window and key state (ordered by sender id).</summary>
    public IReadOnlyList<ReplayWindowSnapshot> SnapshotReplayState()
    {
        var list = new List<ReplayWindowSnapshot>(_senders.Count);
        foreach (var s in _senders.Values)
        {
            lock (s.Lock)
            {
                list.Add(new ReplayWindowSnapshot(
                    s.Id,
                    CryptoSuites.SeedName,
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

    private sealed class SenderState(string id, DSA publicKey, int slot, ulong highest, PerSecondBudget announcementBudget)
    {
        public readonly string Id = id;
        public readonly DSA PublicKey = publicKey;
        public readonly int Slot = slot;
        public readonly object Lock = new();
        public ReplayWindow Window = ReplayWindow.Restored(highest);
        public SessionKey? Current;
        public SessionKey? Previous;
        public long Accepted;
        public long RejectedCount;
        public long LastAcceptedMs;
        public readonly PerSecondBudget AnnouncementBudget = announcementBudget;
        public long LastAnnouncementMs;

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

        public ReceiveResult Rejected(string reason, string detail)
        {
            Interlocked.Increment(ref RejectedCount);
            return ReceiveResult.Reject(reason, detail, Id);
        }
    }

    /// <summary>One accepted session key; the AesGcm instance is created once and reused under the sender's lock.</summary>
    private sealed class SessionKey : IDisposable
    {
        public SessionKey(uint keyId, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> key, ulong announcedAt)
        {
            KeyId = keyId;
            Salt = salt.ToArray();
            Aes = new AesGcm(key, EnvelopeFormat.TagSize);
            AnnouncedAt = announcedAt;
        }

        public uint KeyId { get; }
        public byte[] Salt { get; }
        public AesGcm Aes { get; }
        public ulong AnnouncedAt { get; }

        public void Dispose() => Aes.Dispose();
    }
}
