using SmartHome.Security;

namespace SmartHome.Actuator.Tests;

/// <summary>The lab's four home devices with the profiles KeyGen gives them.</summary>
internal static class TestRegistry
{
    public static DeviceRegistry Home(double maxReadingsPerSecond = DeviceRegistry.LabMaxReadingsPerSecond) =>
        new(new[] { "temp-living", "door-front", "smoke-kitchen", "plug-garage" }
            .Select(id => new KeyValuePair<string, DeviceProfile>(id, DeviceRegistry.DefaultProfileFor(id, maxReadingsPerSecond))));
}

/// <summary>A clock that moves only when told to (timestamps in milliseconds).</summary>
internal sealed class SteppedClock : TimeProvider
{
    public long Milliseconds { get; set; } = 1;

    public override long TimestampFrequency => 1000;

    public override long GetTimestamp() => Milliseconds;
}
