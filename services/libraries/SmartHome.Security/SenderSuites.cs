namespace SmartHome.Security;

/// <summary>
/// The suite a sender seals one device's readings in, and why: the deployment's suite when the device's registry pin allows
/// it (or it has none), else its first pinned suite, so the actuator's <see cref="SuiteGate"/> accepts what the sensor sends.
/// </summary>
/// <param name="DeviceId">The device.</param>
/// <param name="Suite">The suite its readings are sealed in.</param>
/// <param name="Pinned">True when its registry pin excludes the deployment's suite and <paramref name="Suite"/> is the pin's first.</param>
public sealed record DeviceSuiteChoice(string DeviceId, CryptoSuite Suite, bool Pinned);

/// <summary>
/// Chooses each device's sending suite (<see cref="DeviceSuiteChoice"/>). The sensor seals with it and the AppHost hands the
/// sensor the key files of exactly these suites, so both must choose the same way: this is the one place that does.
/// </summary>
public static class SenderSuites
{
    /// <summary>
    /// One choice per device of <paramref name="deviceIds"/> (in order, duplicates removed). Without a
    /// <paramref name="registry"/>, or for a device it does not list, the deployment's suite.
    /// </summary>
    public static IReadOnlyList<DeviceSuiteChoice> Choose(CryptoSuite deploymentSuite, DeviceRegistry? registry, IEnumerable<string> deviceIds)
    {
        ArgumentNullException.ThrowIfNull(deviceIds);
        var chooser = Chooser(deploymentSuite, registry);
        return deviceIds.Distinct(StringComparer.Ordinal).Select(id =>
        {
            var suite = chooser(id);
            return new DeviceSuiteChoice(id, suite, suite != deploymentSuite);
        }).ToList();
    }

    /// <summary>
    /// The same choice for any device id, asked per message: the actuator acknowledges each device in the suite it sends in.
    /// </summary>
    public static Func<string, CryptoSuite> Chooser(CryptoSuite deploymentSuite, DeviceRegistry? registry)
    {
        var policy = new SuitePolicy(deploymentSuite, registry ?? new DeviceRegistry([]));
        return policy.SendingSuite;
    }

    /// <summary>
    /// Every suite the actuator can acknowledge in: the deployment's (for devices the registry does not list) and each listed
    /// device's choice.
    /// </summary>
    public static IReadOnlySet<CryptoSuite> AcknowledgementSuites(CryptoSuite deploymentSuite, DeviceRegistry? registry)
    {
        var suites = new HashSet<CryptoSuite> { deploymentSuite };
        if (registry is not null)
        {
            suites.UnionWith(Choose(deploymentSuite, registry, registry.Devices.Keys).Select(c => c.Suite));
        }

        return suites;
    }
}
