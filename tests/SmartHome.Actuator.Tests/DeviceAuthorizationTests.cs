using System.Buffers;
using Microsoft.Extensions.Logging.Abstractions;
using SmartHome.Messaging;
using SmartHome.Security;
using RejectReasons = SmartHome.Messaging.RejectReasons;

namespace SmartHome.Actuator.Tests;

/// <summary>The actuator applies a reading only if the registry lets its sender send it: kind, range, rate.</summary>
public sealed class DeviceAuthorizationTests
{
    private readonly HomeState _home = new();
    private readonly DecisionLog _log = new(10_000);
    private readonly SteppedClock _clock = new();

    private ReadingProcessor Processor(DeviceRegistry registry) =>
        new(new PlaintextProtection(), _home, new DeviceAuthorization(registry, _clock), _log, TimeProvider.System, "insecure",
            NullLogger<ReadingProcessor>.Instance);

    private static ReadOnlySequence<byte> Reading(string device, DeviceKind kind, double value, string id = "m-1") =>
        new(new DeviceReading(id, device, kind, value, 1, 0).ToUtf8Json());

    [Theory]
    [InlineData(DeviceKind.Door, 1.0)]         // would unlock the front door
    [InlineData(DeviceKind.Smoke, 50.0)]       // would sound the siren
    [InlineData(DeviceKind.Temperature, 15.0)] // would switch the heating on
    public void A_smart_plug_cannot_drive_another_device_s_function(DeviceKind kind, double value)
    {
        var processor = Processor(TestRegistry.Home());
        var before = _home.Snapshot();

        var decision = processor.Process("smarthome/readings/plug-garage", Reading("plug-garage", kind, value), null);

        Assert.Equal(DecisionLog.Rejected, decision.Verdict);
        Assert.Equal(RejectReasons.NotPermitted, decision.Reason);
        Assert.Equal(before, _home.Snapshot());
    }

    [Theory]
    [InlineData("temp-living", DeviceKind.Temperature, -40.5)]
    [InlineData("temp-living", DeviceKind.Temperature, 85.5)]
    [InlineData("door-front", DeviceKind.Door, 0.5)]
    [InlineData("door-front", DeviceKind.Door, 2.0)]
    [InlineData("smoke-kitchen", DeviceKind.Smoke, 100.1)]
    [InlineData("smoke-kitchen", DeviceKind.Smoke, -1.0)]
    [InlineData("plug-garage", DeviceKind.Power, 4000.5)]
    [InlineData("plug-garage", DeviceKind.Power, -10.0)]
    public void Implausible_values_are_refused_before_any_state_change(string device, DeviceKind kind, double value)
    {
        var processor = Processor(TestRegistry.Home());
        var before = _home.Snapshot();

        var decision = processor.Process($"smarthome/readings/{device}", Reading(device, kind, value), null);

        Assert.Equal(RejectReasons.Implausible, decision.Reason);
        Assert.Equal(before, _home.Snapshot());
    }

    [Theory]
    [InlineData("temp-living", DeviceKind.Temperature, -40.0, "heating on")]
    [InlineData("temp-living", DeviceKind.Temperature, 85.0, "no change")]
    [InlineData("door-front", DeviceKind.Door, 1.0, "door unlocked")]
    [InlineData("smoke-kitchen", DeviceKind.Smoke, 100.0, "siren on")]
    [InlineData("plug-garage", DeviceKind.Power, 4000.0, "plug cut off")]
    public void Plausible_readings_of_the_registered_kind_are_applied(string device, DeviceKind kind, double value, string effect)
    {
        var decision = Processor(TestRegistry.Home()).Process($"smarthome/readings/{device}", Reading(device, kind, value), null);

        Assert.Equal(DecisionLog.Applied, decision.Verdict);
        Assert.Equal(effect, decision.Effect);
    }

    [Fact]
    public void A_device_missing_from_the_registry_is_not_a_trusted_sender()
    {
        var decision = Processor(TestRegistry.Home()).Process("smarthome/readings/temp-attic",
            Reading("temp-attic", DeviceKind.Temperature, 15), null);

        Assert.Equal(RejectReasons.UnknownSender, decision.Reason);
        Assert.False(_home.HeatingOn);
    }

    [Fact]
    public void A_sender_over_its_registered_rate_is_limited_and_others_are_not()
    {
        var processor = Processor(TestRegistry.Home(maxReadingsPerSecond: 5));
        var verdicts = Enumerable.Range(0, 8).Select(i =>
            processor.Process("smarthome/readings/temp-living", Reading("temp-living", DeviceKind.Temperature, 20, $"t-{i}"), null).Reason).ToList();

        // One second's worth (5) passes as a burst; the rest are refused while no time passes.
        Assert.Equal(5, verdicts.Count(r => r is null));
        Assert.Equal(3, verdicts.Count(r => r == RejectReasons.RateLimited));
        Assert.Null(processor.Process("smarthome/readings/door-front", Reading("door-front", DeviceKind.Door, 0, "d-1"), null).Reason);

        // 200 ms later one reading's worth (5/s × 0.2 s) has refilled.
        _clock.Milliseconds += 200;
        Assert.Null(processor.Process("smarthome/readings/temp-living", Reading("temp-living", DeviceKind.Temperature, 20, "t-9"), null).Reason);
        Assert.Equal(RejectReasons.RateLimited,
            processor.Process("smarthome/readings/temp-living", Reading("temp-living", DeviceKind.Temperature, 20, "t-10"), null).Reason);
    }

    [Fact]
    public void A_refused_reading_does_not_use_up_the_device_s_rate()
    {
        var processor = Processor(TestRegistry.Home(maxReadingsPerSecond: 2));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(RejectReasons.Implausible,
                processor.Process("smarthome/readings/temp-living", Reading("temp-living", DeviceKind.Temperature, 999, $"x-{i}"), null).Reason);
        }

        Assert.Null(processor.Process("smarthome/readings/temp-living", Reading("temp-living", DeviceKind.Temperature, 20, "ok-1"), null).Reason);
        Assert.Null(processor.Process("smarthome/readings/temp-living", Reading("temp-living", DeviceKind.Temperature, 20, "ok-2"), null).Reason);
    }
}
