using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using SmartHome.Security;

namespace SmartHome.Report;

/// <summary>
/// In-process microbenchmark of the secure envelope and its primitives (Stopwatch per iteration, after a warm-up),
/// using the same DSA-2048 / RSA-2048 key sizes as the pipeline.
/// </summary>
public static class CryptoBench
{
    public const string Seal = "EnvelopeSender.Seal (AES-GCM + SHA-256 + DSA sign)";
    public const string Open = "EnvelopeReceiver.Receive (checks + DSA verify + AES-GCM)";

    /// <summary>A reading of the size the sensor sends (its JSON), so the per-message cost matches.</summary>
    public static readonly byte[] Reading = Encoding.UTF8.GetBytes(
        "{\"messageId\":\"0199a7c1f0b27c4e9a3f5d2e8b1c4a6f\",\"deviceId\":\"temp-living\",\"kind\":\"temperature\"," +
        "\"value\":20.73,\"sequence\":12345,\"sentAtMicros\":1760000000000000}");

    public static CryptoBreakdown Run(DSA signingKey, DSA verifyKey, RSA actuatorKey, int iterations, Action<double>? progress)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        ArgumentNullException.ThrowIfNull(verifyKey);
        ArgumentNullException.ThrowIfNull(actuatorKey);
        var ops = new List<CryptoOp>();
        const string sender = "temp-living";
        var topic = TopicRules.Readings(sender);
        var rotation = new RotationPolicy { MaxMessages = int.MaxValue, MaxAge = TimeSpan.FromDays(1) };
        var steps = 8.0;
        var step = 0;
        void Next() => progress?.Invoke(++step / steps);

        // 1-2: Seal every message, then Receive them in order (the receiver first accepts the announcement).
        using var replay = ReplayStore.InMemory();
        using var envelopeSender = new EnvelopeSender(sender, signingKey, actuatorKey, rotation);
        using var receiver = new EnvelopeReceiver(actuatorKey, [new(sender, verifyKey)], replay,
            // The bench measures what verifying costs, so the per-sender announcement budget (a flood defence) is lifted.
            new EnvelopeReceiverOptions { FreshnessWindow = TimeSpan.FromMinutes(30), AnnouncementsPerSenderPerSecond = int.MaxValue });
        var warm = Math.Min(100, iterations / 10);
        var messages = new byte[warm + iterations][];
        var first = envelopeSender.Seal(topic, Reading);
        if (!receiver.Receive(first.Announcement!.Topic, first.Announcement.Message).IsAccepted || !receiver.Receive(topic, first.Message).IsAccepted)
        {
            throw new InvalidOperationException("The benchmark's first message was not accepted.");
        }

        var i0 = 0;
        ops.Add(Measure(Seal, warm, iterations, () => messages[i0++] = envelopeSender.Seal(topic, Reading).Message));
        Next();
        var i1 = 0;
        ops.Add(Measure(Open, warm, iterations, () =>
        {
            if (!receiver.Receive(topic, messages[i1++]).IsAccepted)
            {
                throw new InvalidOperationException("A benchmark message was rejected.");
            }
        }));
        Next();

        // 3-6: the raw primitives the envelope is built from.
        var hash = SHA256.HashData(messages[0]);
        var signature = signingKey.CreateSignature(hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        ops.Add(Measure("DSA-2048 sign (raw, SHA-256 digest)", warm, iterations,
            () => signingKey.CreateSignature(hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)));
        Next();
        ops.Add(Measure("DSA-2048 verify (raw)", warm, iterations, () =>
        {
            if (!verifyKey.VerifySignature(hash, signature, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
            {
                throw new InvalidOperationException("DSA verify failed.");
            }
        }));
        Next();
        var key = RandomNumberGenerator.GetBytes(32);
        using var aes = new AesGcm(key, 16);
        var nonce = new byte[12];
        var cipher = new byte[Reading.Length];
        var tag = new byte[16];
        var plain = new byte[Reading.Length];
        var fast = iterations * 20;
        ops.Add(Measure("AES-256-GCM encrypt (raw)", warm, fast, () => aes.Encrypt(nonce, Reading, cipher, tag)));
        Next();
        ops.Add(Measure("AES-256-GCM decrypt (raw)", warm, fast, () => aes.Decrypt(nonce, cipher, tag, plain)));
        Next();
        ops.Add(Measure("SHA-256 of a message (raw)", warm, fast, () => SHA256.HashData(messages[0], hash)));
        Next();

        // 7-8: session-key announcements (RSA-OAEP wrap + DSA sign; verify + unwrap), rarer: once per 10,000 readings.
        var announceCount = Math.Max(20, iterations / 20);
        var announcements = new KeyAnnouncement[announceCount + 10];
        var a0 = 0;
        ops.Add(Measure("Announce session key (RSA-OAEP wrap + DSA sign)", 10, announceCount, () => announcements[a0++] = envelopeSender.RotateNow()));
        var a1 = 0;
        ops.Add(Measure("Accept announcement (DSA verify + RSA-OAEP unwrap)", 10, announceCount, () =>
        {
            var a = announcements[a1++];
            if (!receiver.Receive(a.Topic, a.Message).IsAccepted)
            {
                throw new InvalidOperationException("A benchmark announcement was rejected.");
            }
        }));
        Next();

        var sealPlusOpen = ops[0].MeanUs + ops[1].MeanUs;
        return new CryptoBreakdown(
            $"In-process microbenchmark inside the report (Stopwatch per call, {warm} warm-up calls, same key sizes as the pipeline, {Reading.Length}-byte reading).",
            ops, sealPlusOpen, null) { SealPlusOpenP50Us = ops[0].P50Us + ops[1].P50Us };
    }

    private static CryptoOp Measure(string name, int warmup, int iterations, Action action)
    {
        for (var i = 0; i < warmup; i++)
        {
            action();
        }

        var samples = new double[iterations];
        var toUs = 1_000_000.0 / Stopwatch.Frequency;
        for (var i = 0; i < iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            samples[i] = (Stopwatch.GetTimestamp() - start) * toUs;
        }

        var mean = samples.Average();
        Array.Sort(samples);
        return new CryptoOp(name, iterations, mean, Percentile(samples, 50), Percentile(samples, 99));
    }

    /// <summary>Nearest-rank percentile of sorted samples.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Length == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
