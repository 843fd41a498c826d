namespace SmartHome.Sensor;

/// <summary>Sensor settings (section <c>Sensor</c>).</summary>
public sealed class SensorOptions
{
    /// <summary>Readings per second for the whole home in steady mode (0 = publish only on demand).</summary>
    public double ReadingsPerSecond { get; set; } = 4;

    /// <summary>Device ids; the prefix decides the kind (temp-, door-, smoke-, plug-).</summary>
    public string[] Devices { get; set; } = HomeSimulator.DefaultDevices;

    /// <summary>Seed of the simulated signals, for reproducible runs.</summary>
    public int Seed { get; set; } = 42;
}
