namespace SmartHome.Messaging.Tests;

public sealed class TopicsTests
{
    [Theory]
    [InlineData("smarthome/readings/temp-living", "temp-living")]
    [InlineData("smarthome/keys/door-front", "door-front")]
    public void Device_id_is_read_back_from_its_topics(string topic, string expected)
    {
        Assert.True(Topics.TryGetDeviceId(topic, out var id));
        Assert.Equal(expected, id);
    }

    [Theory]
    [InlineData("smarthome/readings/")]
    [InlineData("smarthome/readings/a/b")]
    [InlineData("smarthome/readings/UPPER")]
    [InlineData("smarthome/readings/#")]
    [InlineData("other/readings/x")]
    [InlineData("")]
    public void Foreign_or_malformed_topics_have_no_device(string topic) =>
        Assert.False(Topics.TryGetDeviceId(topic, out _));

    [Fact]
    public void Topic_builders_refuse_ids_that_would_escape_the_device_subtree()
    {
        Assert.Throws<ArgumentException>(() => Topics.Readings("a/b"));
        Assert.Throws<ArgumentException>(() => Topics.Readings("+"));
        Assert.Throws<ArgumentException>(() => Topics.Keys(new string('a', 49)));
        Assert.Equal("smarthome/readings/smoke-kitchen", Topics.Readings("smoke-kitchen"));
        Assert.Equal("smarthome/keys/" + new string('a', 48), Topics.Keys(new string('a', 48)));
    }

    [Theory]
    [InlineData("temp.living")]
    [InlineData("temp_living")]
    [InlineData("Temp-Living")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public void Topics_use_the_one_device_id_rule(string id)
    {
        // Ids the envelope used to accept ('.', '_', upper case) and 49 characters: no topic, no sender, no file name.
        Assert.False(Topics.IsValidDeviceId(id));
        Assert.False(SmartHome.Security.EnvelopeFormat.IsValidSenderId(id));
        Assert.False(Topics.TryGetDeviceId("smarthome/readings/" + id, out _));
        var ex = Assert.Throws<ArgumentException>(() => Topics.Readings(id));
        Assert.Contains(SmartHome.Security.DeviceIds.Rule, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Filters_cover_exactly_one_level_of_devices()
    {
        Assert.Equal("smarthome/readings/+", Topics.ReadingsFilter);
        Assert.Equal("smarthome/keys/+", Topics.KeysFilter);
    }
}
