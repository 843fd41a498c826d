using System.Text.Json;
using System.Text.Json.Serialization;
using SmartHome.Security;

namespace SmartHome.Messaging;

/// <summary>
/// Kinds of device the simulated home has; each drives one automation rule. On the wire (and in the device registry)
/// a kind is its lowercase name: <c>temperature</c>, <c>door</c>, <c>smoke</c>, <c>power</c>.
/// </summary>
[JsonConverter(typeof(DeviceKindJsonConverter))]
public enum DeviceKind
{
    Temperature,
    Door,
    Smoke,
    Power,
}

/// <summary>
/// One sensor reading as the sensor produced it. This is the plaintext both pipelines carry;
/// the secure pipeline seals it, the insecure one sends it as is. docs/PROTOCOL.md ("The reading") and
/// docs/reading.schema.json define it; <see cref="TryParse"/> is the receiver's side of that definition.
/// </summary>
/// <param name="MessageId">Unique id of this reading (the decision log is keyed by it): 1..64 of [A-Za-z0-9._:-].</param>
/// <param name="DeviceId">Device that measured it (the device id rule, <see cref="DeviceIds"/>).</param>
/// <param name="Kind">What was measured.</param>
/// <param name="Value">Measured value (°C, 0/1 for door open, smoke obscuration %, W); finite.</param>
/// <param name="Sequence">Per-device sequence number, for loss and duplicate accounting; 0..2^53-1.</param>
/// <param name="SentAtMicros">Unix time in microseconds when the sensor published it; 0..2^53-1.</param>
public sealed record DeviceReading(
    [property: JsonRequired] string MessageId,
    [property: JsonRequired] string DeviceId,
    [property: JsonRequired] DeviceKind Kind,
    [property: JsonRequired] double Value,
    [property: JsonRequired] long Sequence,
    [property: JsonRequired] long SentAtMicros)
{
    /// <summary>Readings larger than this are not readings: the parser refuses them unread.</summary>
    public const int MaxSerializedBytes = 1024;

    /// <summary>Longest message id.</summary>
    public const int MaxMessageIdLength = 64;

    /// <summary>
    /// Largest sequence and timestamp: 2^53 - 1, so that every consumer, JavaScript's numbers included, reads the
    /// integer exactly (microseconds since 1970 reach it in the year 2255).
    /// </summary>
    public const long MaxInteger = (1L << 53) - 1;

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

        if (!IsValidMessageId(r.MessageId))
        {
            return $"messageId is not 1..{MaxMessageIdLength} characters of A-Z, a-z, 0-9, '.', '_', ':', '-'";
        }

        if (r.DeviceId is null || !DeviceIds.IsValid(r.DeviceId))
        {
            return $"deviceId is not a valid device id ({DeviceIds.Rule})";
        }

        if (!Enum.IsDefined(r.Kind))
        {
            return "unknown kind";
        }

        if (!double.IsFinite(r.Value))
        {
            return "value is not a finite number";
        }

        if (r.Sequence is < 0 or > MaxInteger)
        {
            return "sequence is outside 0..2^53-1";
        }

        if (r.SentAtMicros is < 0 or > MaxInteger)
        {
            return "sentAtMicros is outside 0..2^53-1";
        }

        return string.Empty;
    }

    /// <summary>Message ids reach logs, spans and the decision log: printable, no spaces, quotes or separators.</summary>
    public static bool IsValidMessageId(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxMessageIdLength)
        {
            return false;
        }

        foreach (char c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Unix time in microseconds: the wall clock is shared by all processes on one machine.</summary>
    public static long NowMicros(TimeProvider clock) =>
        (clock.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
}

/// <summary>
/// Exactly the four lowercase names, nothing else: no numbers, no other casing, no comma lists (the stock enum
/// converter accepts all three, so "1" or "Door, Smoke" would name a kind the sender never wrote).
/// </summary>
public sealed class DeviceKindJsonConverter : JsonConverter<DeviceKind>
{
    public override DeviceKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            if (reader.ValueTextEquals("temperature"u8))
            {
                return DeviceKind.Temperature;
            }

            if (reader.ValueTextEquals("door"u8))
            {
                return DeviceKind.Door;
            }

            if (reader.ValueTextEquals("smoke"u8))
            {
                return DeviceKind.Smoke;
            }

            if (reader.ValueTextEquals("power"u8))
            {
                return DeviceKind.Power;
            }
        }

        throw new JsonException("kind is not one of temperature, door, smoke, power");
    }

    public override void Write(Utf8JsonWriter writer, DeviceKind value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(Name(value));
    }

    /// <summary>The wire (and registry) name of a kind.</summary>
    public static string Name(DeviceKind kind) => kind switch
    {
        DeviceKind.Temperature => "temperature",
        DeviceKind.Door => "door",
        DeviceKind.Smoke => "smoke",
        DeviceKind.Power => "power",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a device kind"),
    };
}

// Strict on purpose: exact member names, numbers only as JSON numbers, no unknown or repeated members. What the
// receiver accepts is what docs/reading.schema.json describes, so two parsers cannot read one reading differently.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    PropertyNameCaseInsensitive = false,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(DeviceReading))]
internal sealed partial class ReadingJsonContext : JsonSerializerContext;
