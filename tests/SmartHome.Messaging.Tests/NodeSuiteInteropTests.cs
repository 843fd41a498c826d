using System.Text.Json.Nodes;
using SmartHome.Actuator;
using SmartHome.Messaging.Tests.InteropRig;
using SmartHome.Security;
using EnvelopeReasons = SmartHome.Security.RejectReasons;

namespace SmartHome.Messaging.Tests;

/// <summary>
/// A third-party sender of the v2 suites: interop/seal-reading-v2.mjs, written from docs/PROTOCOL.md ("Crypto suites")
/// with node's crypto module only, makes the announcement (a one-time X25519 key, signed with the device's committed
/// Ed25519 test key), derives the session key with HKDF-SHA256 and seals readings; the REAL actuator path configured
/// for the suite (<see cref="InteropActuator"/>) judges them. Every test also needs node's untampered messages to be
/// applied, so a node sender that gets any part of the format or key schedule wrong fails it.
/// </summary>
public sealed class NodeSuiteInteropTests
{
    private const string Device = "temp-living";
    private const string DataTopic = "smarthome/readings/temp-living";

    [ToolTheory("node")]
    [InlineData(CryptoSuites.ModernName)]
    [InlineData(CryptoSuites.SessionSignedName)]
    public void A_reading_node_sealed_in_the_suite_is_applied_by_the_actuator(string suiteName)
    {
        var suite = CryptoSuites.Parse(suiteName);
        // The deployment's suite; the registry allows it by not pinning the device to another.
        using var actuator = new InteropActuator(suite, Registered(profileSuites: null));
        var messages = SealWithNode(suite, NodeSealer.Reading("node-v2", Device, "temperature", 17.5));
        Assert.Equal(["smarthome/keys/temp-living", DataTopic], messages.Select(m => m.Topic));
        Assert.All(messages, m => Assert.Equal([0x02, (byte)suite], new[] { m.Bytes[0], m.Bytes[2] }));
        var before = actuator.Home.Snapshot();

        var announced = actuator.Process(messages[0]);
        Assert.True(announced.Verdict == DecisionLog.Applied, $"{announced.Reason}: {announced.Effect}");
        Assert.Equal("session-key", announced.Kind);
        Assert.Equal(before, actuator.Home.Snapshot());

        var applied = actuator.Process(messages[1]);
        Assert.True(applied.Verdict == DecisionLog.Applied, $"{applied.Reason}: {applied.Effect}");
        Assert.Equal("node-v2", applied.MessageId);
        Assert.Equal(Device, applied.Sender);
        Assert.Equal("temperature", applied.Kind);
        Assert.Equal(17.5, applied.Value);
        Assert.Equal("heating on", applied.Effect);
        Assert.Equal(applied, Assert.Single(actuator.Log.Query(0, 10, messageId: "node-v2")));
        var after = actuator.Home.Snapshot();
        Assert.True(after.HeatingOn);
        Assert.Equal(17.5, after.LastTemperature);
        Assert.Equal(before.ChangeCount + 1, after.ChangeCount);

        // The same bytes again are a replay; relabelled to a suite the registry does not allow the device, refused
        // before any cryptography.
        Assert.Equal(EnvelopeReasons.Replay, actuator.Process(messages[1]).Reason);
        var other = suite == CryptoSuite.Modern ? CryptoSuite.SessionSigned : CryptoSuite.Modern;
        Assert.Equal(EnvelopeReasons.SuiteNotAllowed, actuator.Process(messages[1].WithByte(2, (byte)other)).Reason);
        Assert.Equal(after, actuator.Home.Snapshot());
    }

    [ToolTheory("node")]
    [InlineData(CryptoSuites.ModernName)]
    [InlineData(CryptoSuites.SessionSignedName)]
    public void A_node_sealed_message_tampered_in_one_header_byte_is_rejected(string suiteName)
    {
        var suite = CryptoSuites.Parse(suiteName);
        var other = suite == CryptoSuite.Modern ? CryptoSuite.SessionSigned : CryptoSuite.Modern;
        // Allowed both v2 suites, so a relabelled message passes the gate and meets the checks behind it.
        using var actuator = new InteropActuator(suite, Registered(profileSuites: [CryptoSuites.ModernName, CryptoSuites.SessionSignedName]));
        var messages = SealWithNode(suite, NodeSealer.Reading("node-tamper", Device, "temperature", 17.5));
        var (announcement, data) = (messages[0], messages[1]);
        int counterLast = 15 + Device.Length; // v2 header: the counter's last byte (offset 8 + L, 8 bytes)
        var before = actuator.Home.Snapshot();

        // The announcement relabelled, or with another counter: its Ed25519 signature covers the header.
        AssertRejected(actuator, announcement.WithByte(2, (byte)other), EnvelopeReasons.BadSignature);
        AssertRejected(actuator, announcement.WithByte(counterLast, (byte)(announcement.Bytes[counterLast] ^ 0x40)), EnvelopeReasons.BadSignature);
        Assert.Equal(DecisionLog.Applied, actuator.Process(announcement).Verdict);

        // Data relabelled to the other suite: its length is not that suite's (modern data carries a signature,
        // session-signed data none), so it does not parse; relabelled with the length made to fit (a modern message
        // stripped of its signature, or session-signed data given one), it is not in the suite its session key was
        // announced in. Another fresh counter changes nonce and AAD: the tag fails. The announcement's counter: seen.
        AssertRejected(actuator, data.WithByte(2, (byte)other), EnvelopeReasons.Malformed);
        AssertRejected(actuator, Relabelled(data, other), EnvelopeReasons.SuiteNotAllowed);
        AssertRejected(actuator, data.WithByte(counterLast, (byte)(data.Bytes[counterLast] ^ 0x40)), EnvelopeReasons.GcmTag);
        AssertRejected(actuator, data.WithByte(counterLast, announcement.Bytes[counterLast]), EnvelopeReasons.Replay);
        Assert.Equal(before, actuator.Home.Snapshot());

        // The untampered message was not spent by its altered copies.
        var applied = actuator.Process(data);
        Assert.True(applied.Verdict == DecisionLog.Applied, $"{applied.Reason}: {applied.Effect}");
        Assert.Equal(before.ChangeCount + 1, actuator.Home.Snapshot().ChangeCount);
        Assert.Equal(6, actuator.Log.Summary().Rejected);
    }

    [ToolTheory("node")]
    [InlineData(CryptoSuites.ModernName)]
    [InlineData(CryptoSuites.SessionSignedName)]
    public void A_node_announcement_replayed_is_not_accepted_twice(string suiteName)
    {
        var suite = CryptoSuites.Parse(suiteName);
        using var actuator = new InteropActuator(suite, Registered(profileSuites: null));
        var messages = SealWithNode(suite,
            NodeSealer.Reading("node-r1", Device, "temperature", 17.5, sequence: 1),
            NodeSealer.Reading("node-r2", Device, "temperature", 22, sequence: 2));

        Assert.Equal(DecisionLog.Applied, actuator.Process(messages[0]).Verdict);
        Assert.Equal(DecisionLog.Applied, actuator.Process(messages[1]).Verdict);
        var before = actuator.Home.Snapshot();

        var replayed = actuator.Process(messages[0]);
        Assert.Equal(DecisionLog.Rejected, replayed.Verdict);
        Assert.Equal(EnvelopeReasons.Replay, replayed.Reason);
        Assert.Equal(before, actuator.Home.Snapshot());
        Assert.Single(actuator.Log.Query(0, 10), d => d.Kind == "session-key" && d.Verdict == DecisionLog.Applied);

        // The session the announcement set up once goes on.
        var second = actuator.Process(messages[2]);
        Assert.True(second.Verdict == DecisionLog.Applied, $"{second.Reason}: {second.Effect}");
        Assert.Equal("heating off", second.Effect);
        Assert.False(actuator.Home.Snapshot().HeatingOn);
    }

    private static void AssertRejected(InteropActuator actuator, SealedMessage message, string reason)
    {
        var before = actuator.Home.Snapshot();
        var decision = actuator.Process(message);
        Assert.Equal(DecisionLog.Rejected, decision.Verdict);
        Assert.Equal(reason, decision.Reason);
        Assert.Equal(Device, decision.Sender);
        Assert.Equal(before, actuator.Home.Snapshot());
    }

    /// <summary>A data message moved to suite <paramref name="to"/>, its Ed25519 signature dropped or a made-up one added to fit.</summary>
    private static SealedMessage Relabelled(SealedMessage data, CryptoSuite to)
    {
        byte[] bytes = to == CryptoSuite.SessionSigned ? data.Bytes[..^64] : [.. data.Bytes, .. new byte[64]];
        bytes[2] = (byte)to;
        return data with { Bytes = bytes };
    }

    private static Dictionary<string, DeviceProfile> Registered(IReadOnlyList<string>? profileSuites) => new()
    {
        [Device] = DeviceRegistry.DefaultProfileFor(Device) with { Suites = profileSuites },
    };

    /// <summary>Runs interop/seal-reading-v2.mjs: one announcement, then one data message per reading.</summary>
    private static IReadOnlyList<SealedMessage> SealWithNode(CryptoSuite suite, params JsonObject[] readings) =>
        NodeSealer.Seal("seal-reading-v2.mjs", new JsonObject
        {
            ["senderId"] = Device,
            ["suite"] = suite.Name(),
            ["senderPrivateKey"] = InteropActuator.TestKey(Device + ".ed25519.key.pem"),
            ["recipientPublicKey"] = InteropActuator.TestKey("actuator.x25519.pub.pem"),
            ["timestampMs"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["firstCounter"] = 1,
            ["readings"] = new JsonArray([.. readings]),
        });
}
