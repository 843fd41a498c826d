using System.Text.Json.Nodes;
using SmartHome.Actuator;
using SmartHome.Messaging.Tests.InteropRig;
using SmartHome.Security;

namespace SmartHome.Messaging.Tests;

/// <summary>
/// A third-party sender of the seed suite (envelope v1): interop/seal-reading.mjs seals readings with node's crypto module
/// from docs/PROTOCOL.md alone, with a device key of the committed test vectors, and the REAL actuator path
/// (<see cref="InteropActuator"/>) judges them. The v2 suites: <see cref="NodeSuiteInteropTests"/>.
/// </summary>
public sealed class NodeInteropTests : IDisposable
{
    private const string Device = "temp-living";
    private readonly InteropActuator _actuator = new(CryptoSuite.Seed, new Dictionary<string, DeviceProfile>
    {
        [Device] = DeviceRegistry.DefaultProfileFor(Device),
        ["plug-garage"] = DeviceRegistry.DefaultProfileFor("plug-garage"),
    });

    [ToolFact("node")]
    public void A_reading_sealed_by_node_is_applied_by_the_actuator()
    {
        var messages = SealWithNode(NodeSealer.Reading("node-1", Device, "temperature", 17.5));
        Assert.Equal(["smarthome/keys/temp-living", "smarthome/readings/temp-living"], messages.Select(m => m.Topic));
        var before = _actuator.Home.Snapshot();

        var announced = _actuator.Process(messages[0]);
        Assert.Equal(DecisionLog.Applied, announced.Verdict);
        Assert.Equal("session-key", announced.Kind);
        Assert.Equal(before, _actuator.Home.Snapshot());

        var applied = _actuator.Process(messages[1]);
        Assert.True(applied.Verdict == DecisionLog.Applied, $"{applied.Reason}: {applied.Effect}");
        Assert.Equal("node-1", applied.MessageId);
        Assert.Equal(Device, applied.Sender);
        Assert.Equal("temperature", applied.Kind);
        Assert.Equal(17.5, applied.Value);
        Assert.Equal("heating on", applied.Effect);
        Assert.Equal(applied, Assert.Single(_actuator.Log.Query(0, 10, messageId: "node-1")));
        var after = _actuator.Home.Snapshot();
        Assert.True(after.HeatingOn);
        Assert.Equal(17.5, after.LastTemperature);
        Assert.Equal(before.ChangeCount + 1, after.ChangeCount);

        // The same bytes again are a replay, and data moved to the device's key topic breaks the strict topic rule.
        Assert.Equal(RejectReasons.Replay, _actuator.Process(messages[1]).Reason);
        Assert.Equal("wrong-topic", _actuator.Process(messages[1] with { Topic = "smarthome/keys/temp-living" }).Reason);
        Assert.Equal(after, _actuator.Home.Snapshot());
    }

    [ToolFact("node")]
    public void A_node_sealed_reading_the_device_is_not_registered_for_is_refused()
    {
        // Authentic (the device's own key, a valid envelope) but beyond the device's role: a thermometer opening the door,
        // a thermometer reporting 500 °C.
        var messages = SealWithNode(NodeSealer.Reading("node-door", Device, "door", 1), NodeSealer.Reading("node-hot", Device, "temperature", 500));
        Assert.Equal(DecisionLog.Applied, _actuator.Process(messages[0]).Verdict);
        var before = _actuator.Home.Snapshot();

        var door = _actuator.Process(messages[1]);
        Assert.Equal(DecisionLog.Rejected, door.Verdict);
        Assert.Equal("not-permitted", door.Reason);
        Assert.Equal("node-door", door.MessageId);
        Assert.Equal("door", door.Kind);

        var hot = _actuator.Process(messages[2]);
        Assert.Equal(DecisionLog.Rejected, hot.Verdict);
        Assert.Equal("implausible", hot.Reason);
        Assert.Equal(500, hot.Value);

        Assert.Equal(before, _actuator.Home.Snapshot());
        Assert.True(_actuator.Home.DoorLocked);
        Assert.Equal(2, _actuator.Log.Summary().Rejected);
    }

    /// <summary>Runs interop/seal-reading.mjs: one announcement, then one data message per reading.</summary>
    private static IReadOnlyList<SealedMessage> SealWithNode(params JsonObject[] readings) =>
        NodeSealer.Seal("seal-reading.mjs", new JsonObject
        {
            ["senderId"] = Device,
            ["senderPrivateKey"] = InteropActuator.TestKey(Device + ".dsa.key.pem"),
            ["recipientPublicKey"] = InteropActuator.TestKey("actuator.rsa.pub.pem"),
            ["timestampMs"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["firstCounter"] = 1,
            ["readings"] = new JsonArray([.. readings]),
        });

    public void Dispose() => _actuator.Dispose();
}
