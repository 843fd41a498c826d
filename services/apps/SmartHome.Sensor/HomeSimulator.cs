using SmartHome.Messaging;

namespace SmartHome.Sensor;

/// <summary>A simulated device: an identity, a kind and a plausible signal.</summary>
public sealed class SimulatedDevice(string deviceId, DeviceKind kind, Random random)
{
    private double _value = kind switch
    {
        DeviceKind.Temperature => 20.5,
        DeviceKind.Power => 120,
        _ => 0,
    };

    private long _sequence;

    public string DeviceId { get; } = deviceId;

    public DeviceKind Kind { get; } = kind;

    /// <summary>Next value of this device's signal: a bounded random walk or a rare event.</summary>
    public double NextValue()
    {
        lock (random)
        {
            _value = Kind switch
            {
                // Room temperature drifts around the 19.5-21.5 °C comfort band, so heating switches.
                DeviceKind.Temperature => Math.Round(Math.Clamp(_value + (random.NextDouble() - 0.5) * 0.6, 16, 25), 2),
                // The door opens now and then and stays in a state for a while.
                DeviceKind.Door => random.NextDouble() < 0.1 ? 1 - _value : _value,
                // Smoke obscuration is ~0 %, with a rare burnt-toast spike.
                DeviceKind.Smoke => random.NextDouble() < 0.02 ? Math.Round(10 + random.NextDouble() * 20, 1) : Math.Round(random.NextDouble() * 0.5, 2),
                // A garage plug: idle load with occasional heavy tools.
                DeviceKind.Power => random.NextDouble() < 0.05 ? Math.Round(1500 + random.NextDouble() * 1500, 0) : Math.Round(80 + random.NextDouble() * 80, 0),
                _ => 0,
            };
            return _value;
        }
    }

    public long NextSequence() => Interlocked.Increment(ref _sequence);

    /// <summary>The device kind its id implies: <c>temp-*</c>, <c>door-*</c>, <c>smoke-*</c>, <c>plug-*</c>; fleet devices report temperature.</summary>
    public static DeviceKind KindOf(string deviceId) => deviceId switch
    {
        _ when deviceId.StartsWith("door-", StringComparison.Ordinal) => DeviceKind.Door,
        _ when deviceId.StartsWith("smoke-", StringComparison.Ordinal) => DeviceKind.Smoke,
        _ when deviceId.StartsWith("plug-", StringComparison.Ordinal) => DeviceKind.Power,
        _ => DeviceKind.Temperature,
    };
}

/// <summary>The home: the devices this sensor process speaks for.</summary>
public sealed class HomeSimulator
{
    public static readonly string[] DefaultDevices = ["temp-living", "door-front", "smoke-kitchen", "plug-garage"];

    /// <param name="options">Validated at start (<see cref="SensorOptions.Problems"/>): every device id is valid.</param>
    public HomeSimulator(SensorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var random = new Random(options.Seed);
        Devices = options.DeviceIds.Select(id => new SimulatedDevice(id, SimulatedDevice.KindOf(id), random)).ToArray();
    }

    public IReadOnlyList<SimulatedDevice> Devices { get; }
}
