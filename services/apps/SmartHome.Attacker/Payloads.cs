using System.Security.Cryptography;
using System.Text;
using SmartHome.Messaging;
using SmartHome.Security;

namespace SmartHome.Attacker;

/// <summary>Builders of attack payloads. Pure functions of their inputs (plus fresh randomness), unit-tested.</summary>
public static class Payloads
{
    /// <summary>A forged plaintext reading claiming to come from <paramref name="deviceId"/>.</summary>
    public static DeviceReading ForgedReading(string deviceId, double value, long nowMicros) =>
        new(MessageId: "forged-" + Guid.NewGuid().ToString("N")[..20], DeviceId: deviceId, Kind: KindOf(deviceId),
            Value: value, Sequence: 1, SentAtMicros: nowMicros);

    public static DeviceKind KindOf(string deviceId) => deviceId switch
    {
        _ when deviceId.StartsWith("door-", StringComparison.Ordinal) => DeviceKind.Door,
        _ when deviceId.StartsWith("smoke-", StringComparison.Ordinal) => DeviceKind.Smoke,
        _ when deviceId.StartsWith("plug-", StringComparison.Ordinal) => DeviceKind.Power,
        _ => DeviceKind.Temperature,
    };

    /// <summary>
    /// Tampers with a captured plaintext reading: the same message (id, device, sequence) with a different value.
    /// Returns null when the capture is not a readable reading (e.g. ciphertext).
    /// </summary>
    public static (byte[] Payload, double NewValue)? TamperPlaintext(ReadOnlySpan<byte> captured)
    {
        if (!DeviceReading.TryParse(captured, out var reading, out _))
        {
            return null;
        }

        var newValue = TamperedValue(reading!.Kind, reading.Value);
        var changed = reading with { Value = newValue };
        return (changed.ToUtf8Json(), newValue);
    }

    /// <summary>
    /// A value that differs from <paramref name="value"/>, flips the home's rule for that kind, and stays plausible for
    /// such a device (the actuator refuses implausible values, and a real attacker knows what a sensor can report).
    /// </summary>
    public static double TamperedValue(DeviceKind kind, double value) => kind switch
    {
        DeviceKind.Temperature => value < 19.5 ? 25.0 : 15.0,
        DeviceKind.Door => value < 0.5 ? 1.0 : 0.0,
        DeviceKind.Smoke => value >= 10 ? 0.0 : 50.0,
        _ => value > 2500 ? 100.0 : 3000.0,
    };

    /// <summary>
    /// Tampers with a captured envelope: one ciphertext bit flipped, and a fresh counter and timestamp so the
    /// forgery gets past the replay window and must face the signature. Returns null when it is not an envelope.
    /// </summary>
    public static byte[]? TamperEnvelope(ReadOnlySpan<byte> captured, ulong freshCounter, long nowMs)
    {
        if (!EnvelopeHeader.TryRead(captured, out var header) || header.Type != 2 || captured.Length < header.Length + 2 + 16 + 64)
        {
            return null;
        }

        var copy = captured.ToArray();
        EnvelopeHeader.Rewrite(copy, header, freshCounter, nowMs);
        var ciphertextStart = header.Length + 2;
        copy[ciphertextStart] ^= 0x01;
        return copy;
    }

    /// <summary>Malformed payload number <paramref name="index"/> (cycles through a fixed catalogue).</summary>
    public static byte[] Malformed(int index)
    {
        var catalogue = MalformedCatalogue;
        return catalogue[index % catalogue.Count]();
    }

    public static int MalformedKinds => MalformedCatalogue.Count;

    private static readonly IReadOnlyList<Func<byte[]>> MalformedCatalogue =
    [
        () => [],
        () => "{"u8.ToArray(),
        () => "null"u8.ToArray(),
        () => "[1,2,3]"u8.ToArray(),
        () => "{\"messageId\":\"x\",\"deviceId\":\"temp-living\",\"kind\":\"temperature\",\"value\":\"hot\"}"u8.ToArray(),
        () => "{\"messageId\":\"x\",\"deviceId\":\"../../etc\",\"kind\":\"temperature\",\"value\":1}"u8.ToArray(),
        () => "{\"messageId\":\"x\",\"deviceId\":\"temp-living\",\"kind\":\"plasma\",\"value\":1}"u8.ToArray(),
        () => "{\"messageId\":\"x\",\"deviceId\":\"temp-living\",\"kind\":\"temperature\",\"value\":1e400}"u8.ToArray(),
        () => [0xC3, 0x28, 0xFF, 0xFE, 0x00],
        () => Encoding.UTF8.GetBytes(new string('[', 600) + new string(']', 600)),
        () => RandomNumberGenerator.GetBytes(97),
        // Envelope-shaped: right version, a type that does not exist.
        () => [0x01, 0x7F, 0x03, (byte)'a', (byte)'b', (byte)'c', 0, 0, 0, 1],
        // Envelope-shaped: sender-id length larger than the message.
        () => [0x01, 0x02, 0x30, (byte)'t', (byte)'e'],
    ];

    /// <summary>
    /// Oversized payload number <paramref name="index"/>: just over the reading limit (1 KiB), over the envelope limit
    /// (4 KiB), and near the broker's packet limit (60 KiB). All stay below the broker's max_packet_size (64 KiB)
    /// so the broker delivers them and the actuator's parser has to refuse them.
    /// </summary>
    public static byte[] Oversized(int index)
    {
        int[] sizes = [DeviceReading.MaxSerializedBytes + 1, EnvelopeFormat.MaxMessageSize + 1, 60 * 1024];
        var size = sizes[index % sizes.Length];
        var padding = new string('x', size);
        var json = $"{{\"messageId\":\"big\",\"deviceId\":\"temp-living\",\"kind\":\"temperature\",\"value\":35,\"pad\":\"{padding}\"}}";
        return Encoding.UTF8.GetBytes(json)[..size];
    }
}
