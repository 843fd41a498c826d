using System.Text;
using CsCheck;

namespace SmartHome.Messaging.Tests;

public sealed class DeviceReadingTests
{
    [Fact]
    public void A_reading_survives_serialization()
    {
        var reading = new DeviceReading("id-1", "temp-living", DeviceKind.Temperature, 20.25, 7, 1_700_000_000_000_123);
        Assert.True(DeviceReading.TryParse(reading.ToUtf8Json(), out var back, out var error), error);
        Assert.Equal(reading, back);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{\"messageId\":\"x\",\"deviceId\":\"temp-living\",\"kind\":\"Volcano\",\"value\":1,\"sequence\":1,\"sentAtMicros\":1}")]
    [InlineData("{\"messageId\":\"x\",\"deviceId\":\"Bad/Id\",\"kind\":\"Door\",\"value\":1,\"sequence\":1,\"sentAtMicros\":1}")]
    [InlineData("{\"messageId\":\"\",\"deviceId\":\"door-front\",\"kind\":\"Door\",\"value\":1,\"sequence\":1,\"sentAtMicros\":1}")]
    [InlineData("{\"deviceId\":\"door-front\",\"kind\":\"Door\",\"value\":1,\"sequence\":1,\"sentAtMicros\":1}")]
    [InlineData("{\"messageId\":\"x\",\"deviceId\":\"door-front\",\"kind\":99,\"value\":1,\"sequence\":1,\"sentAtMicros\":1}")]
    [InlineData("{\"messageId\":\"x\",\"deviceId\":\"door-front\",\"kind\":\"Door\",\"value\":\"NaN\",\"sequence\":1,\"sentAtMicros\":1}")]
    public void Malformed_readings_are_refused_with_a_reason(string json)
    {
        Assert.False(DeviceReading.TryParse(Encoding.UTF8.GetBytes(json), out var reading, out var error));
        Assert.Null(reading);
        Assert.NotEmpty(error);
    }

    [Fact]
    public void Oversized_input_is_refused_unread()
    {
        var big = new byte[DeviceReading.MaxSerializedBytes + 1];
        Assert.False(DeviceReading.TryParse(big, out _, out var error));
        Assert.Contains("more than", error);
    }

    [Fact]
    public void Random_bytes_never_throw() =>
        Gen.Byte.Array[0, 2048].Sample(bytes =>
        {
            DeviceReading.TryParse(bytes, out _, out _);
        }, iter: 20_000, seed: "0N0XIzNsQ0O2");
}
