using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmartHome.Messaging;

/// <summary>Kinds of device the simulated home has; each drives one automation rule.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeviceKind>))]
public enum DeviceKind
{
    Temperature,
    Door,
    Smoke,
    Power,
}

/// <summary>
/// One sensor reading as the sensor produced it. This is the plaintext both pipelines carry;
/// the secure pipeline seals it, the insecure one sends it as is.
/// </summary>
/// <param name="MessageId">Unique id of this reading (the decision log is keyed by it).</param>
/// <param name="DeviceId">Device that measured it.</param>
/// <param name="Kind">What was measured.</param>
/// <param name="Value">Measured value (°C, 0/1 for door open, smoke obscuration %, W).</param>
/// <param name="Sequence">Per-device sequence number, for loss and duplicate accounting.</param>
/// <param name="SentAtMicros">Unix time in microseconds when the sensor published it.</param>
public sealed record DeviceReading(
    string MessageId,
    string DeviceId,
    DeviceKind Kind,
    double Value,
    long Sequence,
    long SentAtMicros)
{
    /// <summary>Readings larger than this are not readings: the parser refuses them unread.</summary>
    public const int MaxSerializedBytes = 1024;

    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, ReadingJsonContext.Default.DeviceReading);

    /// <summary>Parses and validates a reading; never throws on bad input.</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8Json, out DeviceReading? reading, out string error)
    {
        reading = null;
        if (utf8Json.Length > MaxSerializedBytes)
        {
            error = $"reading is {utf8Json.Length} bytes, more than {MaxSerializedBytes}";
            return false;
        }

        try
        {
            reading = JsonSerializer.Deserialize(utf8Json, ReadingJsonContext.Default.DeviceReading);
        }
        catch (JsonException ex)
        {
            error = "not a reading: " + ex.Message;
            return false;
        }

        error = Validate(reading);
        if (error.Length > 0)
        {
            reading = null;
            return false;
        }

        return true;
    }

    private static string Validate(DeviceReading? r)
    {
        if (r is null)
        {
            return "empty reading";
        }

        if (string.IsNullOrEmpty(r.MessageId) || r.MessageId.Length > 64)
        {
            return "missing or overlong messageId";
        }

        if (r.DeviceId is null || !Topics.IsValidDeviceId(r.DeviceId))
        {
            return "invalid deviceId";
        }

        if (!Enum.IsDefined(r.Kind))
        {
            return "unknown kind";
        }

        if (!double.IsFinite(r.Value))
        {
            return "value is not a finite number";
        }

        return string.Empty;
    }

    /// <summary>Unix time in microseconds: the wall clock is shared by all processes on one machine.</summary>
    public static long NowMicros(TimeProvider clock) =>
        (clock.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(DeviceReading))]
internal sealed partial class ReadingJsonContext : JsonSerializerContext;
