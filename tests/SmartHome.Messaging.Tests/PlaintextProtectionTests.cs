namespace SmartHome.Messaging.Tests;

public sealed class PlaintextProtectionTests
{
    private readonly PlaintextProtection _protection = new();

    [Fact]
    public void Readings_travel_unchanged_on_the_device_topic()
    {
        var payload = "{\"x\":1}"u8.ToArray();
        var message = Assert.Single(_protection.Protect("door-front", payload));
        Assert.Equal("smarthome/readings/door-front", message.Topic);
        Assert.Equal(payload, message.Payload);

        var verdict = _protection.Unprotect(message.Topic, message.Payload);
        Assert.Equal(InboundKind.Data, verdict.Kind);
        Assert.Equal("door-front", verdict.SenderId);
        Assert.Equal(payload, verdict.Plaintext);
    }

    [Fact]
    public void Oversized_and_off_topic_messages_are_rejected()
    {
        var big = _protection.Unprotect("smarthome/readings/door-front", new byte[PlaintextProtection.MaxPayloadBytes + 1]);
        Assert.Equal(RejectReasons.Oversize, big.Reason);
        var offTopic = _protection.Unprotect("smarthome/keys/door-front", [1, 2]);
        Assert.Equal(RejectReasons.UnexpectedTopic, offTopic.Reason);
    }
}
