using System.Buffers.Binary;
using System.Diagnostics;

namespace SmartHome.Security.Fuzz;

/// <summary>
/// In-process structured fuzzing of the v2 format through the actuator's <see cref="SuiteGate"/> (no AFL needed). Each
/// round every genuine sender seals a fresh message (announcements on rotation); its mutants go in first — bit flips,
/// truncation, extension and oversize, a wrong suite or version byte, a stripped signature relabelled session-signed,
/// splices with another sender's message, random bodies behind a valid header, a wrong topic — then the forgers' messages,
/// then the genuine message itself. The properties: no exception leaves <see cref="SuiteGate.Receive"/> or the v2 parser;
/// nothing but a genuine message is ever accepted; and every genuine message is still accepted after its mutants.
/// </summary>
internal sealed class SuiteMutationFuzz(SuiteGateRig rig, Random random)
{
    private byte[]? _previous;

    public long Inputs { get; private set; }

    public List<string> Findings { get; } = [];

    /// <summary>How each input ended (accept outcome or reject reason): which checks the mutants reached.</summary>
    public SortedDictionary<string, long> Outcomes { get; } = new(StringComparer.Ordinal);

    /// <summary>Runs rounds until <paramref name="duration"/> has passed or <paramref name="maxFindings"/> were recorded.</summary>
    public void Run(TimeSpan duration, int mutantsPerMessage, int maxFindings = 20)
    {
        var watch = Stopwatch.StartNew();
        ulong reading = 0;
        while (watch.Elapsed < duration && Findings.Count < maxFindings)
        {
            reading++;
            // A second a round: budgets refill, rotation announcements are not rate-limited, nothing goes stale.
            rig.Clock.Advance(TimeSpan.FromMilliseconds(1_100));
            var genuine = new List<(string Topic, byte[] Wire)>();
            foreach (var sender in rig.Genuine)
            {
                var sealedResult = sender.Seal(TopicRules.Readings(sender.SenderId), Reading(reading));
                if (sealedResult.Announcement is { } announcement)
                {
                    genuine.Add((announcement.Topic, announcement.Message));
                }
                genuine.Add((TopicRules.Readings(sender.SenderId), sealedResult.Message));
            }

            foreach (var (topic, wire) in genuine)
            {
                for (int i = 0; i < mutantsPerMessage; i++)
                {
                    var (mutantTopic, mutant) = Mutate(topic, wire);
                    if (mutantTopic != topic || !mutant.AsSpan().SequenceEqual(wire))
                    {
                        Offer(mutantTopic, mutant, expectAccepted: false);
                    }
                }
                _previous = wire;
            }

            foreach (var forger in rig.Forgers)
            {
                var forged = forger.Seal(TopicRules.Readings(forger.SenderId), Reading(reading));
                if (forged.Announcement is { } announcement)
                {
                    Offer(announcement.Topic, announcement.Message, expectAccepted: false);
                }
                Offer(TopicRules.Readings(forger.SenderId), forged.Message, expectAccepted: false);
            }

            // Past the per-second announcement budgets the mutants spent; still fresh.
            rig.Clock.Advance(TimeSpan.FromMilliseconds(1_100));
            foreach (var (topic, wire) in genuine)
            {
                Offer(topic, wire, expectAccepted: true);
            }
        }
    }

    private static byte[] Reading(ulong n) => System.Text.Encoding.ASCII.GetBytes($"{{\"t\":{n % 60}}}");

    private void Offer(string topic, byte[] wire, bool expectAccepted)
    {
        Inputs++;
        ReceiveResult result;
        try
        {
            // The parser on its own, as the fuzzer would reach it through the gate only for a readable header.
            ParsedSuiteEnvelope.TryParse(wire, out _, out _);
            result = rig.Gate.Receive(topic, wire);
        }
        catch (Exception ex)
        {
            Record($"exception {ex.GetType().Name}: {ex.Message}", topic, wire);
            return;
        }

        var outcome = result.Outcome == ReceiveOutcome.Rejected ? result.Reason ?? "?" : result.Outcome.ToString();
        Outcomes[outcome] = Outcomes.GetValueOrDefault(outcome) + 1;
        bool accepted = result.Outcome is ReceiveOutcome.Data or ReceiveOutcome.KeyAccepted;
        if (accepted != expectAccepted)
        {
            Record(expectAccepted ? $"genuine message refused after its mutants: {result.Reason} ({result.Detail})" : "accepted a message its sender did not seal",
                topic, wire);
        }
    }

    private void Record(string what, string topic, byte[] wire) =>
        Findings.Add($"{what}; topic {topic}; {wire.Length} bytes: {Convert.ToHexString(wire.AsSpan(0, Math.Min(wire.Length, 256)))}");

    private (string Topic, byte[] Wire) Mutate(string topic, byte[] wire)
    {
        byte[] m = (byte[])wire.Clone();
        int idLen = m.Length > 3 ? m[3] : 0;
        switch (random.Next(12))
        {
            case 0:
            case 1:
                for (int flips = 1 + random.Next(3); flips > 0; flips--)
                {
                    int bit = random.Next(m.Length * 8);
                    m[bit / 8] ^= (byte)(1 << (bit % 8));
                }
                return (topic, m);
            case 2:
                return (topic, m[..random.Next(m.Length)]);
            case 3:
                return (topic, [.. m, .. RandomBytes(1 + random.Next(64))]);
            case 4:
                return (topic, [.. m, .. RandomBytes(EnvelopeFormat.MaxMessageSize + 1 - m.Length + random.Next(16))]);
            case 5:
                m[2] = random.Next(3) switch { 0 => (byte)random.Next(256), 1 => (byte)(m[2] ^ 0x01), _ => (byte)CryptoSuite.Seed };
                return (topic, m);
            case 6:
                m[0] = random.Next(2) == 0 ? EnvelopeFormat.Version : (byte)random.Next(256);
                return (topic, m);
            case 7:
                // A modern data message stripped of its signature and relabelled session-signed (or the reverse, padded).
                if (m.Length > SuiteFormat.SignatureSize && m[0] == SuiteFormat.Version)
                {
                    bool modern = m[2] == (byte)CryptoSuite.Modern;
                    m = modern ? m[..^SuiteFormat.SignatureSize] : [.. m, .. RandomBytes(SuiteFormat.SignatureSize)];
                    m[2] = (byte)(modern ? CryptoSuite.SessionSigned : CryptoSuite.Modern);
                }
                return (topic, m);
            case 8:
                // This message's header, another's body.
                if (_previous is { } other && m.Length > 4 + idLen + 20)
                {
                    int cut = 4 + idLen + 20;
                    return (topic, [.. m.AsSpan(0, cut), .. other.AsSpan(Math.Min(cut, other.Length))]);
                }
                return (topic, m);
            case 9:
                // A valid-looking header, random rest; sometimes a ciphertext length field that lies.
                if (m.Length > 4 + idLen + 22)
                {
                    random.NextBytes(m.AsSpan(4 + idLen + 20));
                    BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(4 + idLen + 20), (ushort)random.Next(0, 5000));
                }
                return (topic, m);
            case 10:
                m[random.Next(m.Length)] = (byte)random.Next(256);
                return (topic, m);
            default:
                string[] topics = ["smarthome/readings/temp-living", "smarthome/keys/temp-living", "smarthome/readings/plug-garage",
                    "smarthome/keys/plug-garage", "smarthome/readings/temp-living/extra", ""];
                return (topics[random.Next(topics.Length)], m);
        }
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
