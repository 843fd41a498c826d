namespace SmartHome.Messaging.Tests;

/// <summary>The acknowledgement body (docs/PROTOCOL.md, "Acknowledgement").</summary>
public sealed class AcknowledgementTests
{
    [Fact]
    public void The_body_is_the_documented_bytes_and_round_trips()
    {
        var body = AckBody.Encode([AckEntry.ForApplied("m1"), AckEntry.ForRejected("m-2", "implausible")]);
        byte[] expected = [0x01, 0x02, 0x01, 0x02, .. "m1"u8, 0x00, 0x02, 0x03, .. "m-2"u8, 0x0b, .. "implausible"u8];
        Assert.Equal(expected, body);
        Assert.True(AckBody.TryDecode(body, out var entries, out var error), error);
        Assert.Equal([AckEntry.ForApplied("m1"), AckEntry.ForRejected("m-2", "implausible")], entries);
    }

    [Theory]
    [InlineData("")]
    [InlineData("01")]
    [InlineData("0100")] // no entries
    [InlineData("0201010000")] // unknown format
    [InlineData("0101010000")] // empty message id
    [InlineData("010103016d00")] // verdict 3
    [InlineData("010101016d01")] // applied with a reason length
    [InlineData("010102016d00")] // rejected without a reason
    [InlineData("010101016d0000")] // trailing byte
    [InlineData("010201016d00")] // two entries announced, one present
    [InlineData("010102016d0141")] // reason outside [a-z-]
    [InlineData("010101012000")] // message id with a space
    public void Every_other_body_is_refused(string hex)
    {
        Assert.False(AckBody.TryDecode(Convert.FromHexString(hex), out _, out _));
    }

    [Fact]
    public void A_body_holds_1_to_32_entries()
    {
        var full = Enumerable.Range(0, AckBody.MaxEntries).Select(i => AckEntry.ForRejected(new string('x', 63) + (i % 10), new string('r', 32))).ToList();
        var body = AckBody.Encode(full);
        Assert.Equal(AckBody.MaxLength, body.Length);
        Assert.True(AckBody.TryDecode(body, out var entries, out _));
        Assert.Equal(32, entries.Count);
        Assert.Throws<ArgumentException>(() => AckBody.Encode([.. full, AckEntry.ForApplied("one-more")]));
        Assert.Throws<ArgumentException>(() => AckBody.Encode([]));
    }

    [Fact]
    public void The_insecure_pipeline_takes_a_body_only_on_an_acknowledgement_topic()
    {
        var plain = new PlaintextAckProtection();
        var sealedAck = plain.Seal("door-front", AckBody.Encode([AckEntry.ForApplied("m1")]));
        Assert.Equal("smarthome/acks/door-front", sealedAck.Topic);
        var opened = plain.Open(sealedAck.Topic, sealedAck.Payload);
        Assert.True(opened.Accepted);
        Assert.Equal("door-front", opened.DeviceId);
        Assert.False(plain.Open("smarthome/readings/door-front", sealedAck.Payload).Accepted);
        Assert.False(plain.Open("smarthome/acks/Door", sealedAck.Payload).Accepted);
    }
}
