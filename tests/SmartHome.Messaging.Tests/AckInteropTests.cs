using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using SmartHome.Messaging.Secure;
using SmartHome.Messaging.Tests.InteropRig;
using SmartHome.Security;

namespace SmartHome.Messaging.Tests;

/// <summary>
/// The acknowledgement as docs/PROTOCOL.md specifies it, implemented a second time by a third party
/// (interop/ack.mjs, node's crypto only) on both ends: node verifies what the actuator's own acknowledgement protection
/// (as its Program builds it) seals, and the sensor's (as its Program builds it) accepts what node seals.
/// </summary>
public sealed class AckInteropTests : IDisposable
{
    private const string Topic = "smarthome/acks/temp-living";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "smarthome-ack-node-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly KeyPaths _keys;
    private readonly IConfiguration _configuration;

    public AckInteropTests()
    {
        // The committed test vectors' temp-living key stands in for the actuator's signing pair.
        _keys = new KeyPaths(Path.Combine(_root, "keys"));
        Directory.CreateDirectory(_keys.ActuatorDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(_keys.ActuatorSigningPrivateKey)!);
        File.Copy(TestKey("temp-living.dsa.key.pem"), _keys.ActuatorSigningPrivateKey);
        File.Copy(TestKey("temp-living.dsa.pub.pem"), _keys.ActuatorSigningPublicKey);
        _configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipeline"] = "secure",
            ["SmartHome:KeysDirectory"] = _keys.Root,
            ["SmartHome:StateDirectory"] = Path.Combine(_root, "state"),
        }).Build();
    }

    [ToolFact("node")]
    public void Node_verifies_the_actuators_acknowledgement()
    {
        var actuator = ProtectionFactory.AcksForActuator("secure", _configuration);
        var sealedAck = actuator.Seal("temp-living", AckBody.Encode([AckEntry.ForApplied("m-1"), AckEntry.ForRejected("m.2", "implausible")]));
        Assert.Equal(Topic, sealedAck.Topic);

        using var result = Node(new JsonObject
        {
            ["mode"] = "verify", ["actuatorPublicKey"] = _keys.ActuatorSigningPublicKey, ["topic"] = Topic, ["hex"] = Convert.ToHexString(sealedAck.Payload),
        });
        var entries = result.RootElement.GetProperty("entries").EnumerateArray()
            .Select(e => new AckEntry(e.GetProperty("messageId").GetString()!, e.GetProperty("applied").GetBoolean(),
                e.GetProperty("reason").ValueKind == JsonValueKind.Null ? null : e.GetProperty("reason").GetString()))
            .ToList();
        Assert.Equal([AckEntry.ForApplied("m-1"), AckEntry.ForRejected("m.2", "implausible")], entries);
        Assert.True(ulong.Parse(result.RootElement.GetProperty("counter").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= 1);

        // The same bytes for another device's topic: the topic binding makes node refuse them too.
        Assert.Throws<Xunit.Sdk.TrueException>(() => Node(new JsonObject
        {
            ["mode"] = "verify", ["actuatorPublicKey"] = _keys.ActuatorSigningPublicKey, ["topic"] = "smarthome/acks/door-front",
            ["hex"] = Convert.ToHexString(sealedAck.Payload),
        }).Dispose());
    }

    [ToolFact("node")]
    public void The_sensor_accepts_an_acknowledgement_node_sealed_once()
    {
        var sensor = ProtectionFactory.AcksForSensor("secure", _configuration, ["temp-living"]);
        using var result = Node(new JsonObject
        {
            ["mode"] = "seal", ["actuatorPrivateKey"] = _keys.ActuatorSigningPrivateKey, ["topic"] = Topic, ["counter"] = 7,
            ["timestampMs"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["entries"] = new JsonArray(
                new JsonObject { ["messageId"] = "0199a7c1f0b27c4e9a3f5d2e8b1c4a6f", ["applied"] = true },
                new JsonObject { ["messageId"] = "m-2", ["applied"] = false, ["reason"] = "not-permitted" }),
        });
        var wire = Convert.FromHexString(result.RootElement.GetProperty("hex").GetString()!);

        var opened = sensor.Open(Topic, wire);
        Assert.True(opened.Accepted, opened.Reason + " " + opened.Detail);
        Assert.Equal("temp-living", opened.DeviceId);
        Assert.Equal([AckEntry.ForApplied("0199a7c1f0b27c4e9a3f5d2e8b1c4a6f"), AckEntry.ForRejected("m-2", "not-permitted")], opened.Entries);
        Assert.Equal("replay", sensor.Open(Topic, wire).Reason);
    }

    private static JsonDocument Node(JsonObject request) => NodeSealer.Run("ack.mjs", request);

    private static string TestKey(string name) => Path.Combine(AppContext.BaseDirectory, "vectors", "keys", name);

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
