namespace SmartHome.Actuator.Tests;

public sealed class StringReuseTests
{
    [Fact]
    public void Equal_strings_come_back_as_the_first_instance_and_different_ones_pass_through()
    {
        var reuse = new StringReuse();
        var first = new string("smarthome/readings/temp-living".AsSpan());
        var second = new string("smarthome/readings/temp-living".AsSpan());
        Assert.NotSame(first, second);
        Assert.Same(first, reuse.Reuse(first));
        Assert.Same(first, reuse.Reuse(second));
        Assert.Equal("other", reuse.Reuse("other"));
        Assert.Null(reuse.Reuse(null));
    }
}
