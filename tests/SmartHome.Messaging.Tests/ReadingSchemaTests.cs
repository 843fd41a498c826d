using System.Text;
using System.Text.Json;
using CsCheck;
using Json.Schema;

namespace SmartHome.Messaging.Tests;

/// <summary>
/// docs/reading.schema.json (JSON Schema 2020-12, evaluated by JsonSchema.Net) and <see cref="DeviceReading.TryParse"/>
/// must give the same verdict: a third party that validates with the schema accepts exactly what the actuator accepts,
/// except for the few rules a schema cannot state (listed in docs/PROTOCOL.md and in <see cref="SchemaCannotSay"/>).
/// </summary>
public sealed class ReadingSchemaTests
{
    private static readonly JsonSchema Schema =
        JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "reading.schema.json")));

    private const string Valid =
        """{"messageId":"0199a7c1f0b27c4e9a3f5d2e8b1c4a6f","deviceId":"temp-living","kind":"temperature","value":21.5,"sequence":7,"sentAtMicros":1748779200000000}""";

    /// <summary>The valid reading with one member replaced (or removed, when <paramref name="json"/> is null).</summary>
    private static string With(string member, string? json)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(Valid)!.AsObject();
        node.Remove(member);
        if (json is not null)
        {
            node[member] = System.Text.Json.Nodes.JsonNode.Parse(json);
        }

        return node.ToJsonString();
    }

    public static TheoryData<string, string, bool> Examples()
    {
        var data = new TheoryData<string, string, bool>
        {
            { "the example", Valid, true },
            { "members in another order, whitespace", """ { "value" : -40.25 , "kind" : "door" , "deviceId" : "door-front" , "sequence" : 0 , "sentAtMicros" : 0 , "messageId" : "m" } """, true },
            { "escaped characters are decoded first", Valid.Replace("\"temp-living\"", "\"temp\\u002dliving\"", StringComparison.Ordinal), true },
            { "longest ids", With("messageId", $"\"{new string('a', 60)}._:-\"").Replace("temp-living", new string('d', 48), StringComparison.Ordinal), true },
            { "largest integers", With("sequence", "9007199254740991").Replace("1748779200000000", "9007199254740991", StringComparison.Ordinal), true },
            { "exponent value", With("value", "2.5e3"), true },
            { "largest double", With("value", "-1.7976931348623157e308"), true },
            { "kind power", With("kind", "\"power\""), true },
            { "kind smoke", With("kind", "\"smoke\""), true },

            { "an array", "[]", false },
            { "a string", "\"reading\"", false },
            { "null", "null", false },
            { "a number", "1", false },
            { "extra member", With("unit", "\"C\""), false },
            { "member name in another case", Valid.Replace("\"messageId\"", "\"MessageId\"", StringComparison.Ordinal), false },
            { "empty messageId", With("messageId", "\"\""), false },
            { "65-char messageId", With("messageId", $"\"{new string('a', 65)}\""), false },
            { "messageId with a space", With("messageId", "\"a b\""), false },
            { "messageId with a slash", With("messageId", "\"a/b\""), false },
            { "messageId not ASCII", With("messageId", "\"caf\u00e9\""), false },
            { "messageId null", With("messageId", "null"), false },
            { "deviceId upper case", With("deviceId", "\"Temp-Living\""), false },
            { "deviceId with a dot", With("deviceId", "\"temp.living\""), false },
            { "deviceId with an underscore", With("deviceId", "\"temp_living\""), false },
            { "deviceId with a slash", With("deviceId", "\"a/b\""), false },
            { "deviceId wildcard", With("deviceId", "\"+\""), false },
            { "deviceId 49 chars", With("deviceId", $"\"{new string('d', 49)}\""), false },
            { "deviceId empty", With("deviceId", "\"\""), false },
            { "deviceId with a trailing newline", With("deviceId", "\"temp-living\\n\""), false },
            { "messageId with a trailing newline", With("messageId", "\"m\\n\""), false },
            { "deviceId a number", With("deviceId", "5"), false },
            { "kind capitalised", With("kind", "\"Temperature\""), false },
            { "kind upper case", With("kind", "\"DOOR\""), false },
            { "kind as a number", With("kind", "1"), false },
            { "kind as a numeric string", With("kind", "\"1\""), false },
            { "kind as a list", With("kind", "\"door, smoke\""), false },
            { "kind unknown", With("kind", "\"plasma\""), false },
            { "kind null", With("kind", "null"), false },
            { "value as a string", With("value", "\"21.5\""), false },
            { "value null", With("value", "null"), false },
            { "value boolean", With("value", "true"), false },
            { "value beyond a double", With("value", "1e400"), false },
            { "negative sequence", With("sequence", "-1"), false },
            { "sequence above 2^53-1", With("sequence", "9007199254740992"), false },
            { "sequence as a string", With("sequence", "\"7\""), false },
            { "fractional sequence", With("sequence", "1.5"), false },
            { "negative sentAtMicros", With("sentAtMicros", "-1"), false },
            { "sentAtMicros above 2^53-1", With("sentAtMicros", "9007199254740992"), false },
        };
        foreach (var member in new[] { "messageId", "deviceId", "kind", "value", "sequence", "sentAtMicros" })
        {
            data.Add($"missing {member}", With(member, null), false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Schema_and_parser_agree(string example, string json, bool valid)
    {
        Assert.True(valid == SchemaAccepts(json), $"{example}: the schema says {!valid}");
        var parsed = DeviceReading.TryParse(Encoding.UTF8.GetBytes(json), out _, out var error);
        Assert.True(valid == parsed, $"{example}: the parser says {parsed} ({error})");
    }

    /// <summary>
    /// What a JSON Schema cannot state: it judges the parsed value, not the bytes. docs/PROTOCOL.md lists these
    /// rules; the parser enforces them, so a schema-valid document can still be refused.
    /// </summary>
    public static TheoryData<string, string> SchemaCannotSay() => new()
    {
        { "integer written with a fraction", With("sequence", "7.0") },
        { "integer written with an exponent", With("sentAtMicros", "1.7487792e15") },
        { "member twice", Valid.Replace("\"value\":21.5", "\"value\":21.5,\"value\":99", StringComparison.Ordinal) },
        { "more than 1024 bytes", Valid.Replace(",", "," + new string(' ', 200), StringComparison.Ordinal) },
    };

    [Theory]
    [MemberData(nameof(SchemaCannotSay))]
    public void Rules_beyond_the_schema_are_the_parsers(string example, string json)
    {
        Assert.True(SchemaAccepts(json), $"{example}: expected the schema to accept it");
        Assert.False(DeviceReading.TryParse(Encoding.UTF8.GetBytes(json), out _, out _), $"{example}: expected the parser to refuse it");
    }

    [Fact]
    public void The_schema_states_the_codes_limits()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "docs", "reading.schema.json")));
        var properties = document.RootElement.GetProperty("properties");
        Assert.Equal(SmartHome.Security.DeviceIds.Pattern, properties.GetProperty("deviceId").GetProperty("pattern").GetString());
        Assert.Contains($"{{1,{DeviceReading.MaxMessageIdLength}}}", properties.GetProperty("messageId").GetProperty("pattern").GetString(), StringComparison.Ordinal);
        Assert.Equal(DeviceReading.MaxInteger, properties.GetProperty("sequence").GetProperty("maximum").GetInt64());
        Assert.Equal(DeviceReading.MaxInteger, properties.GetProperty("sentAtMicros").GetProperty("maximum").GetInt64());
        Assert.Equal(
            SmartHome.Security.DeviceRegistry.Kinds,
            properties.GetProperty("kind").GetProperty("enum").EnumerateArray().Select(k => k.GetString()!));
        Assert.Equal(
            Enum.GetValues<DeviceKind>().Select(DeviceKindJsonConverter.Name),
            SmartHome.Security.DeviceRegistry.Kinds);
    }

    [Fact]
    public void Every_reading_a_sensor_writes_is_valid_under_the_schema() =>
        Gen.Select(
                Gen.Char[MessageIdChars].Array[1, DeviceReading.MaxMessageIdLength].Select(c => new string(c)),
                Gen.Char[DeviceIdChars].Array[1, 48].Select(c => new string(c)),
                Gen.Enum<DeviceKind>(),
                Gen.Double.Where(double.IsFinite),
                Gen.Long[0, DeviceReading.MaxInteger],
                Gen.Long[0, DeviceReading.MaxInteger])
            .Select((m, d, k, v, s, t) => new DeviceReading(m, d, k, v, s, t))
            .Sample(reading =>
            {
                var json = reading.ToUtf8Json();
                return SchemaAccepts(Encoding.UTF8.GetString(json))
                       && DeviceReading.TryParse(json, out var back, out _) && back == reading;
            }, iter: 2_000, seed: "0N0XIzNsQ0O2");

    private const string DeviceIdChars = "abcdefghijklmnopqrstuvwxyz0123456789-";
    private const string MessageIdChars = DeviceIdChars + "ABCDEFGHIJKLMNOPQRSTUVWXYZ._:";

    private static bool SchemaAccepts(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Schema.Evaluate(document.RootElement).IsValid;
    }
}
