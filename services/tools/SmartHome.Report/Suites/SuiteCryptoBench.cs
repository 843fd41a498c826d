using System.Diagnostics;
using System.Security.Cryptography;
using SmartHome.Security;

namespace SmartHome.Report.Suites;

/// <summary>
/// Seal + open per reading of one suite with its real sender and receiver classes (seed: EnvelopeSender/Receiver, DSA-2048 +
/// RSA-2048; v2: SuiteEnvelopeSender/Receiver, Ed25519 + X25519), fresh keys of the pipeline's sizes, the sensor's reading
/// (<see cref="CryptoBench.Reading"/>); Stopwatch per call after a warm-up, like <see cref="CryptoBench"/>. Then the
/// acknowledgement of one applied reading in the suite's scheme (seed: DSA-2048, v2: Ed25519): the actuator's sign, the device's verify.
/// </summary>
public static class SuiteCryptoBench
{
    private const string Sender = "temp-living";
    private const string Actuator = "actuator";
    private static readonly TimeSpan AckFreshness = TimeSpan.FromMinutes(30);

    // The acknowledgement body of one applied reading (docs/PROTOCOL.md, "Acknowledgement"): format 0x01 ‖ 1 entry ‖ applied 0x01 ‖
    // a 32-character message id ‖ no reason.
    private static readonly byte[] OneAppliedEntry = [0x01, 1, 0x01, 32, .. "0192f1c2a3b44c5d8e9f0a1b2c3d4e5f"u8, 0];

    public static SuiteCryptoCost Run(CryptoSuite suite, int iterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 10);
        var topic = TopicRules.Readings(Sender);
        // No rotation inside the measured calls: an announcement is counted apart, once.
        var rotation = new RotationPolicy { MaxMessages = int.MaxValue, MaxAge = TimeSpan.FromDays(1) };
        var options = new EnvelopeReceiverOptions { FreshnessWindow = TimeSpan.FromMinutes(30), AnnouncementsPerSenderPerSecond = int.MaxValue };
        using var replay = ReplayStore.InMemory();
        using var ackReplay = ReplayStore.InMemory();
        if (suite == CryptoSuite.Seed)
        {
            using var signing = DSA.Create(2048);
            using var verify = DSA.Create(signing.ExportParameters(false));
            using var rsa = RSA.Create(2048);
            using var sender = new EnvelopeSender(Sender, signing, rsa, rotation);
            using var receiver = new EnvelopeReceiver(rsa, [new(Sender, verify)], replay, options);
            using var ackKey = DSA.Create(2048);
            using var ackPublic = DSA.Create(ackKey.ExportParameters(false));
            var readings = Measure(suite, iterations, () => sender.Seal(topic, CryptoBench.Reading), m => receiver.Receive(topic, m).IsAccepted,
                (t, m) => receiver.Receive(t, m).IsAccepted);
            return WithAcknowledgements(readings, iterations, new AckSigner(Actuator, ackKey, CounterStore.InMemory()),
                new AckVerifier(Actuator, ackPublic, _ => true, ackReplay, AckFreshness));
        }

        using var agreement = NSec.Cryptography.Key.Create(SuiteFormat.Agreement);
        using var signingKey = NSec.Cryptography.Key.Create(SuiteFormat.Signature);
        using var v2Sender = new SuiteEnvelopeSender(Sender, suite, signingKey, agreement.PublicKey, rotation);
        using var v2Receiver = new SuiteEnvelopeReceiver(agreement, [new(Sender, signingKey.PublicKey)], replay, options);
        using var v2AckKey = NSec.Cryptography.Key.Create(SuiteFormat.Signature);
        var v2Readings = Measure(suite, iterations, () => v2Sender.Seal(topic, CryptoBench.Reading), m => v2Receiver.Receive(topic, m).IsAccepted,
            (t, m) => v2Receiver.Receive(t, m).IsAccepted);
        return WithAcknowledgements(v2Readings, iterations,
            new AckSigner(new Ed25519AckScheme(suite, v2AckKey), new AckCounter(Actuator, CounterStore.InMemory())),
            new AckVerifier(new Ed25519AckScheme(suite, v2AckKey.PublicKey), new AckReplayGuard(Actuator, ackReplay, AckFreshness), _ => true));
    }

    /// <summary>
    /// The acknowledgement of one applied reading in the suite's scheme, signed by the actuator and verified by the device, each
    /// timed per call after a warm-up; every verification must accept (a fresh counter each time).
    /// </summary>
    private static SuiteCryptoCost WithAcknowledgements(SuiteCryptoCost readings, int iterations, AckSigner signer, AckVerifier verifier)
    {
        const string ackTopic = "smarthome/acks/" + Sender;
        var warm = WarmUpCalls(iterations);
        var acks = new byte[warm + iterations][];
        var signUs = TimeEach(warm, iterations, _ => signer.Seal(ackTopic, OneAppliedEntry), (i, ack) => acks[i] = ack);
        var verifyUs = TimeEach(warm, iterations, i => verifier.Verify(ackTopic, acks[i]), (_, verified) =>
        {
            if (!verified.Accepted)
            {
                throw new InvalidOperationException($"Suite {signer.Suite.Name()}: an acknowledgement was refused ({verified.Reason}: {verified.Detail}).");
            }
        });
        Array.Sort(signUs);
        Array.Sort(verifyUs);
        return readings with
        {
            Method = readings.Method + " Acknowledgements: the suite's scheme and a fresh actuator key, a body of one applied entry, timed the same way.",
            AckSignP50Us = CryptoBench.Percentile(signUs, 50),
            AckVerifyP50Us = CryptoBench.Percentile(verifyUs, 50),
        };
    }

    private static SuiteCryptoCost Measure(CryptoSuite suite, int iterations, Func<SealResult> seal, Func<byte[], bool> open,
        Func<string, byte[], bool> openAnnouncement)
    {
        var first = seal();
        var announcementBytes = first.Announcement?.Message.Length ?? 0;
        if (first.Announcement is { } a && !openAnnouncement(a.Topic, a.Message) || !open(first.Message))
        {
            throw new InvalidOperationException($"Suite {suite.Name()}: the first sealed reading was not accepted.");
        }

        var warm = WarmUpCalls(iterations);
        var messages = new byte[warm + iterations][];
        var sealUs = TimeEach(warm, iterations, _ => seal(), (i, sealed_) =>
        {
            if (sealed_.Announcement is not null)
            {
                throw new InvalidOperationException($"Suite {suite.Name()}: the sender rotated inside the measurement.");
            }

            messages[i] = sealed_.Message;
        });
        var openUs = TimeEach(warm, iterations, i => open(messages[i]), (_, ok) =>
        {
            if (!ok)
            {
                throw new InvalidOperationException($"Suite {suite.Name()}: a sealed reading was rejected.");
            }
        });

        var sealMean = sealUs.Average();
        var openMean = openUs.Average();
        Array.Sort(sealUs);
        Array.Sort(openUs);
        return new SuiteCryptoCost(
            $"In-process, the suite's own sender and receiver, fresh keys of the pipeline's sizes, {CryptoBench.Reading.Length}-byte reading, " +
            $"Stopwatch per call after {warm} warm-up calls; wire bytes = mean length of the {iterations} sealed data messages.",
            iterations, sealMean, CryptoBench.Percentile(sealUs, 50), openMean, CryptoBench.Percentile(openUs, 50),
            CryptoBench.Reading.Length, messages.Skip(warm).Average(m => (double)m.Length), announcementBytes);
    }

    private static int WarmUpCalls(int iterations) => Math.Min(100, iterations / 10);

    /// <summary>
    /// Calls <paramref name="call"/> for 0 .. <paramref name="warm"/> + <paramref name="iterations"/> − 1, a Stopwatch reading around
    /// each call only; <paramref name="check"/> sees every result outside the timing. Returns the µs of the calls after the warm-up.
    /// </summary>
    private static double[] TimeEach<T>(int warm, int iterations, Func<int, T> call, Action<int, T> check)
    {
        var us = new double[iterations];
        var toUs = 1_000_000.0 / Stopwatch.Frequency;
        for (var i = 0; i < warm + iterations; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var result = call(i);
            var took = (Stopwatch.GetTimestamp() - start) * toUs;
            check(i, result);
            if (i >= warm)
            {
                us[i - warm] = took;
            }
        }

        return us;
    }
}
