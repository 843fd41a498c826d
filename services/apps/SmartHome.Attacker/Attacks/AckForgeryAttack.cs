using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using SmartHome.Contracts;
using SmartHome.Messaging;
using SmartHome.Security;

namespace SmartHome.Attacker;

/// <summary>
/// ack-forgery: an attack on end-to-end delivery: make a device believe the actuator applied a reading, so it takes the reading off
/// its outbox and never sends it again. Half the attempts forge an acknowledgement (naming readings the attacker saw on
/// the wire where it can read them), half replay a real one the level could capture. Judged on the victim's side: the
/// sensor's own log of the acknowledgements it accepted or refused (<c>GET /acks</c>), with a sentinel to know it has
/// seen everything; an accepted forgery takes whatever readings it names off the outbox, applied or not.
/// </summary>
internal sealed class AckForgeryAttack : IAttack
{
    public static AckForgeryAttack Instance { get; } = new();

    public string Name => Attacks.AckForgery;

    public async Task<AttackResult> RunAsync(AttackContext context, AttackLevel level, AttackInput input, CancellationToken ct)
    {
        var n = input.Attempts;
        var victim = context.Victim;
        if (!victim.CanTriggerReadings)
        {
            return context.Skipped(Attacks.AckForgery, level, "skipped: needs the sensor (the victim of this attack) to judge by");
        }

        var topic = Topics.Acks(Targets.VictimDevice);
        await using var session = await context.ConnectAsync(level, Attacks.AckForgery, ct).ConfigureAwait(false);

        // What this level can learn: real acknowledgements of the victim device and the ids of its readings.
        var acks = new ConcurrentQueue<byte[]>();
        var seenIds = new ConcurrentQueue<string>();
        if (session.IsConnected)
        {
            session.Received = message =>
            {
                var payload = message.Payload.ToArray();
                if (message.Topic == topic)
                {
                    acks.Enqueue(payload);
                }
                else if (DeviceReading.TryParse(payload, out var reading, out _) && reading!.DeviceId == Targets.VictimDevice)
                {
                    seenIds.Enqueue(reading.MessageId);
                }
            };
            await session.SubscribeAsync(topic, ct).ConfigureAwait(false);
            await session.SubscribeAsync(Topics.Readings(Targets.VictimDevice), ct).ConfigureAwait(false);
            await victim.TriggerReadingsAsync(8, 200, ct).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
        }

        var captured = acks.ToArray();
        var names = seenIds.ToArray();
        var attempts = new List<PlannedAttempt>(n);
        for (var i = 0; i < n; i++)
        {
            var id = context.NewAttemptId(Attacks.AckForgery);
            var replay = i % 2 == 1 && captured.Length > 0;
            var payload = replay ? captured[i / 2 % captured.Length] : ForgedAck(context, level, topic, names, i, captured);
            attempts.Add(new PlannedAttempt(id, [new PlannedMessage(topic, payload, id)]));
        }

        var startSeq = await victim.LatestAckSeqAsync(ct).ConfigureAwait(false);
        var spans = attempts.ToDictionary(a => a.Id, a => context.Telemetry.StartAttempt(Attacks.AckForgery, level, a.Id), StringComparer.Ordinal);
        if (session.IsConnected)
        {
            foreach (var attempt in attempts)
            {
                var message = attempt.Messages[0];
                attempt.Acks[message.AttemptId] = await session.PublishWithRetryAsync(message.Topic, message.Payload, message.AttemptId, false, ct)
                    .ConfigureAwait(false);
            }
        }

        // The sentinel goes the same way through the control connection (which may write acknowledgement topics).
        var decisions = await context.Judge.DrainAcksAsync(startSeq, topic, ct).ConfigureAwait(false);
        var verdicts = context.Judge.Verdicts(Attacks.AckForgery, level, [.. attempts.Select(a => new SentAttempt(a, spans[a.Id], session.RefusedBy))], decisions);

        var what = context.Secure
            ? $"acknowledgements on {topic} forged with the level's own DSA key, and with its Ed25519 key in the victim's v2 suite when a real v2 " +
              $"acknowledgement showed one (the actuator's key id copied where one was seen), naming " +
              $"{(names.Length > 0 ? "reading ids seen on the wire" : "fresh reading ids (the readings are encrypted)")}, and {captured.Length} real ones replayed"
            : $"plain acknowledgements on {topic} naming {names.Length} reading ids eavesdropped off {Topics.Readings(Targets.VictimDevice)}, and {captured.Length} real ones replayed";
        var refusal = session.Refusal is null ? string.Empty : $"connect refused: {session.Refusal}. ";
        return context.Summarize(Attacks.AckForgery, level, verdicts,
            refusal + what + "; judged by the sensor's log of the acknowledgements it accepted (GET /acks): an accepted one takes the readings it names off the outbox.");
    }

    /// <summary>A forged acknowledgement of the victim device: the plain body, or an envelope the level signs with its own key.</summary>
    private static byte[] ForgedAck(AttackContext context, AttackLevel level, string topic, IReadOnlyList<string> names, int i, IReadOnlyList<byte[]> captured)
    {
        var ids = names.Count > 0 ? names.Skip(i % names.Count).Take(4).ToList() : ["forged-" + Guid.NewGuid().ToString("N")[..24]];
        var body = AckBody.Encode([.. ids.Select(AckEntry.ForApplied)]);
        if (!context.Secure)
        {
            return body;
        }

        // A real v2 acknowledgement shows the victim is in a v2 suite (and which): forge v2 ones signed with the level's Ed25519
        // key, every other one a v1/DSA acknowledgement to try the downgrade too.
        var real = captured.Count > 0 ? captured[0] : null;
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        if (real is { Length: > SuiteFormat.FixedHeaderSize } && real[0] == SuiteFormat.Version
            && real[2] is (byte)CryptoSuite.Modern or (byte)CryptoSuite.SessionSigned && i / 2 % 2 == 0)
        {
            // Copy the actuator's key id, so the forgery faces the signature check.
            uint suiteKeyId = real.Length >= 8 + real[3] ? BinaryPrimitives.ReadUInt32BigEndian(real.AsSpan(4 + real[3])) : 1;
            return EnvelopeForge.SuiteAcknowledgement((CryptoSuite)real[2], "actuator", suiteKeyId, ForgeryValues.FreshCounter(i), now, body,
                context.Keys.SuiteSigningKey(level), topic);
        }

        // A real v1 acknowledgement's header shows the actuator's key id: copy it so the forgery faces the signature check.
        uint keyId = real is not null && real[0] == EnvelopeFormat.Version && real.Length > 3 + real[2] + 4
            ? BinaryPrimitives.ReadUInt32BigEndian(real.AsSpan(3 + real[2]))
            : (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);
        return EnvelopeForge.Acknowledgement("actuator", keyId, ForgeryValues.FreshCounter(i), now, body, context.Keys.SigningKey(level), topic);
    }
}
