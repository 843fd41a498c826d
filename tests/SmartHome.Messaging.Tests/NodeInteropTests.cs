using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using SmartHome.Actuator;
using SmartHome.Contracts;
using SmartHome.Messaging.Secure;
using SmartHome.Security;

namespace SmartHome.Messaging.Tests;

/// <summary>
/// A third-party sender: interop/seal-reading.mjs seals readings with node's crypto module from docs/PROTOCOL.md alone,
/// with a device key of the committed test vectors, and the REAL actuator path judges them: the secure protection the
/// actuator's Program builds (ProtectionFactory.ForActuator over a keys folder), its ReadingProcessor, HomeState and
/// DecisionLog.
/// </summary>
public sealed class NodeInteropTests : IDisposable
{
    private const string Device = "temp-living";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "smarthome-node-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly HomeState _home = new();
    private readonly DecisionLog _log = new(100);
    private readonly IMessageProtection _protection;
    private readonly ReadingProcessor _processor;

    public NodeInteropTests()
    {
        // A keys folder in the layout KeyGen writes (KeyPaths), made of the committed test keys.
        var paths = new KeyPaths(Path.Combine(_root, "keys"));
        Directory.CreateDirectory(paths.ActuatorDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(paths.ActuatorPrivateKey)!);
        Directory.CreateDirectory(paths.DevicesDirectory);
        File.Copy(TestKey("actuator.rsa.key.pem"), paths.ActuatorPrivateKey);
        File.Copy(TestKey("actuator.rsa.pub.pem"), paths.ActuatorPublicKey);
        foreach (var id in new[] { Device, "plug-garage" })
        {
            File.Copy(TestKey(id + ".dsa.pub.pem"), paths.DevicePublicKey(id));
        }

        new DeviceRegistry([
            new(Device, DeviceRegistry.DefaultProfileFor(Device)),
            new("plug-garage", DeviceRegistry.DefaultProfileFor("plug-garage")),
        ]).Write(paths.DeviceRegistry);

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipeline"] = "secure",
            ["SmartHome:KeysDirectory"] = paths.Root,
            ["SmartHome:StateDirectory"] = Path.Combine(_root, "state"),
        }).Build();
        // As the actuator's Program.cs wires it: registry, secure protection of the registered devices, authorization.
        var registry = ProtectionFactory.LoadRegistry(configuration);
        _protection = ProtectionFactory.ForActuator("secure", configuration, registry);
        _processor = new ReadingProcessor(_protection, _home, new DeviceAuthorization(registry, TimeProvider.System), _log,
            TimeProvider.System, "secure", NullLogger<ReadingProcessor>.Instance);
    }

    [ToolFact("node")]
    public void A_reading_sealed_by_node_is_applied_by_the_actuator()
    {
        var sentAtMicros = DeviceReading.NowMicros(TimeProvider.System);
        var messages = SealWithNode(new JsonObject
        {
            ["messageId"] = "node-1", ["deviceId"] = Device, ["kind"] = "temperature", ["value"] = 17.5,
            ["sequence"] = 1, ["sentAtMicros"] = sentAtMicros,
        });
        Assert.Equal(["smarthome/keys/temp-living", "smarthome/readings/temp-living"], messages.Select(m => m.Topic));
        var before = _home.Snapshot();

        var announced = Process(messages[0]);
        Assert.Equal(DecisionLog.Applied, announced.Verdict);
        Assert.Equal("session-key", announced.Kind);
        Assert.Equal(before, _home.Snapshot());

        var applied = Process(messages[1]);
        Assert.True(applied.Verdict == DecisionLog.Applied, $"{applied.Reason}: {applied.Effect}");
        Assert.Equal("node-1", applied.MessageId);
        Assert.Equal(Device, applied.Sender);
        Assert.Equal("temperature", applied.Kind);
        Assert.Equal(17.5, applied.Value);
        Assert.Equal("heating on", applied.Effect);
        Assert.Equal(applied, Assert.Single(_log.Query(0, 10, messageId: "node-1")));
        var after = _home.Snapshot();
        Assert.True(after.HeatingOn);
        Assert.Equal(17.5, after.LastTemperature);
        Assert.Equal(before.ChangeCount + 1, after.ChangeCount);

        // The same bytes again are a replay, and data moved to the device's key topic breaks the strict topic rule.
        Assert.Equal(RejectReasons.Replay, Process(messages[1]).Reason);
        Assert.Equal("wrong-topic", Process(messages[1] with { Topic = "smarthome/keys/temp-living" }).Reason);
        Assert.Equal(after, _home.Snapshot());
    }

    [ToolFact("node")]
    public void A_node_sealed_reading_the_device_is_not_registered_for_is_refused()
    {
        var sentAtMicros = DeviceReading.NowMicros(TimeProvider.System);
        JsonObject Reading(string id, string kind, double value) => new()
        {
            ["messageId"] = id, ["deviceId"] = Device, ["kind"] = kind, ["value"] = value,
            ["sequence"] = 1, ["sentAtMicros"] = sentAtMicros,
        };

        // Authentic (the device's own key, a valid envelope) but beyond the device's role: a thermometer opening the door,
        // a thermometer reporting 500 °C.
        var messages = SealWithNode(Reading("node-door", "door", 1), Reading("node-hot", "temperature", 500));
        Assert.Equal(DecisionLog.Applied, Process(messages[0]).Verdict);
        var before = _home.Snapshot();

        var door = Process(messages[1]);
        Assert.Equal(DecisionLog.Rejected, door.Verdict);
        Assert.Equal("not-permitted", door.Reason);
        Assert.Equal("node-door", door.MessageId);
        Assert.Equal("door", door.Kind);

        var hot = Process(messages[2]);
        Assert.Equal(DecisionLog.Rejected, hot.Verdict);
        Assert.Equal("implausible", hot.Reason);
        Assert.Equal(500, hot.Value);

        Assert.Equal(before, _home.Snapshot());
        Assert.True(_home.DoorLocked);
        Assert.Equal(2, _log.Summary().Rejected);
    }

    private Decision Process(SealedMessage message) =>
        _processor.Process(message.Topic, new ReadOnlySequence<byte>(Convert.FromHexString(message.Hex)), null);

    /// <summary>Runs interop/seal-reading.mjs: one announcement, then one data message per reading.</summary>
    private List<SealedMessage> SealWithNode(params JsonObject[] readings)
    {
        var request = new JsonObject
        {
            ["senderId"] = Device,
            ["senderPrivateKey"] = TestKey(Device + ".dsa.key.pem"),
            ["recipientPublicKey"] = TestKey("actuator.rsa.pub.pem"),
            ["timestampMs"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["firstCounter"] = 1,
            ["readings"] = new JsonArray(readings.Select(r => (JsonNode)r).ToArray()),
        };
        var requestPath = Path.Combine(_root, "request.json");
        File.WriteAllText(requestPath, request.ToJsonString());
        var psi = new ProcessStartInfo(HostTools.Find("node")!, [Path.Combine(AppContext.BaseDirectory, "interop", "seal-reading.mjs"), requestPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var node = System.Diagnostics.Process.Start(psi)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        Assert.True(node.WaitForExit(30_000), "node did not finish in 30 s");
        Assert.True(node.ExitCode == 0, stderr.Result);
        using var output = JsonDocument.Parse(stdout.Result);
        return output.RootElement.GetProperty("messages").EnumerateArray()
            .Select(m => new SealedMessage(m.GetProperty("topic").GetString()!, m.GetProperty("hex").GetString()!))
            .ToList();
    }

    private static string TestKey(string name) => Path.Combine(AppContext.BaseDirectory, "vectors", "keys", name);

    public void Dispose()
    {
        (_protection as IDisposable)?.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    private sealed record SealedMessage(string Topic, string Hex);
}
