using MQTTnet.Protocol;
using SmartHome.Contracts;
using SmartHome.Messaging;
using SmartHome.Security;

namespace SmartHome.Attacker.Tests;

public sealed class FloodPoolTests
{
    private static readonly Capture Legit = new("smarthome/readings/door-front", "{\"legit\":1}"u8.ToArray());

    [Fact]
    public void The_pool_carries_the_mix_in_proportion_and_labels_every_message_with_the_flood()
    {
        FloodShare[] mix = [new(FloodKinds.Forged, 2), new(FloodKinds.Malformed, 1), new(FloodKinds.Oversized, 1), new(FloodKinds.Replay, 1)];

        var pool = FloodPool.Build(secure: false, mix, "temp-living", "smarthome/readings/temp-living", null, [Legit], "run1-flood");

        Assert.Equal(FloodRequest.PoolSize, pool.Length);
        var counts = pool.GroupBy(s => s.Kind).ToDictionary(g => g.Key, g => g.Count());
        Assert.InRange(counts[0], 409, 410);
        Assert.All(Enumerable.Range(1, 3), k => Assert.InRange(counts[k], 204, 205));
        Assert.All(pool, s =>
        {
            Assert.Equal(MqttQualityOfServiceLevel.AtMostOnce, s.Message.QualityOfServiceLevel);
            Assert.Equal("run1-flood", TraceContextPropagation.Find(s.Message.UserProperties, MessageProperties.AttemptId));
        });
        Assert.All(pool.Where(s => s.Kind == 3), s => Assert.Equal((Legit.Topic, Legit.Payload), (s.Message.Topic, s.Payload)));
        Assert.All(pool.Where(s => s.Kind != 3), s => Assert.Equal("smarthome/readings/temp-living", s.Message.Topic));
        // Oversized slots share one array: the pool's memory stays bounded whatever the mix.
        Assert.Single(pool.Where(s => s.Kind == 2).Select(s => s.Payload).Distinct());
        Assert.Equal(DeviceReading.MaxSerializedBytes + 1, pool.First(s => s.Kind == 2).Payload.Length);
        Assert.All(pool.Where(s => s.Kind == 0), s => Assert.True(DeviceReading.TryParse(s.Payload, out _, out _)));
    }

    [Fact]
    public void Secure_forgeries_are_envelopes_of_the_device_with_the_observed_key_id_and_a_header_to_refresh()
    {
        var pool = FloodPool.Build(secure: true, [new(FloodKinds.Forged, 1), new(FloodKinds.Oversized, 1)], "temp-living",
            "smarthome/readings/temp-living", 4242, [], "run2-flood");

        var forged = pool.Where(s => s.Kind == 0).ToList();
        Assert.All(forged, s =>
        {
            Assert.NotNull(s.Header);
            Assert.Equal(("temp-living", 4242u), (s.Header.Value.SenderId, s.Header.Value.KeyId));
        });
        Assert.All(pool.Where(s => s.Kind == 1), s => Assert.Equal(EnvelopeFormat.MaxMessageSize + 1, s.Payload.Length));
    }
}
