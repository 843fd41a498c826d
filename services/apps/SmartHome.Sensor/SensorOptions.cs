using SmartHome.Messaging;
using SmartHome.ServiceDefaults;

namespace SmartHome.Sensor;

/// <summary>Sensor settings (section <c>Sensor</c>), validated at start.</summary>
public sealed class SensorOptions : IValidatableOptions
{
    public const string SectionName = "Sensor";

    /// <summary>Readings per second for the whole home in steady mode (0 = publish only on demand).</summary>
    public double ReadingsPerSecond { get; set; } = 4;

    /// <summary>
    /// Device ids; the prefix decides the kind (temp-, door-, smoke-, plug-). Empty by default (see <see cref="DeviceIds"/>):
    /// the configuration binder appends configured items to an array's default items rather than replacing them.
    /// </summary>
    public string[] Devices { get; set; } = [];

    /// <summary>The configured devices, or the default home's four when none are configured.</summary>
    public IReadOnlyList<string> DeviceIds => Devices.Length > 0 ? Devices : HomeSimulator.DefaultDevices;

    /// <summary>Seed of the simulated signals, for reproducible runs.</summary>
    public int Seed { get; set; } = 42;

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!(ReadingsPerSecond >= 0) || double.IsInfinity(ReadingsPerSecond))
        {
            problems.Add($"Sensor:ReadingsPerSecond must be 0 (publish on demand only) or a positive number (is {ReadingsPerSecond}).");
        }

        problems.AddRange(Devices.Where(id => !Topics.IsValidDeviceId(id))
            .Select(id => $"Sensor:Devices contains '{id}', which is not a valid device id ({SmartHome.Security.DeviceIds.Rule})."));
        return problems;
    }
}
