using SmartHome.Security;

namespace SmartHome.AppHost;

/// <summary>
/// Which suites' key files the secure services are given: only those they can use (one secret, one owner). Each suite's
/// files, the acknowledgement keys among them, only when that suite can be in use.
/// </summary>
internal static class SuiteKeyNeeds
{
    /// <summary>
    /// The sensor seals each device in the suite <see cref="SenderSuites.Choose"/> picks from the deployment's suite and the
    /// registry's pins, so it needs exactly the files of those suites for those devices.
    /// </summary>
    public static SensorKeyNeeds Sensor(string deploymentSuite, KeyPaths keys, IReadOnlyList<string> devices)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var suite = CryptoSuites.Parse(deploymentSuite);
        var registry = TryLoadRegistry(keys, out bool readable);
        var choices = SenderSuites.Choose(suite, registry, devices);
        // An unreadable registry is handed over anyway: the sensor then names what is wrong with it at start.
        return new SensorKeyNeeds(choices, GivesRegistry: !readable || choices.Any(c => c.Pinned));
    }

    /// <summary>
    /// The actuator opens what the deployment's suite or the device registry allows (a pin to a suite adds it), and
    /// acknowledges each device in the suite the device sends in (<see cref="SenderSuites.AcknowledgementSuites"/>): it needs
    /// the keys of exactly those suites.
    /// </summary>
    public static ActuatorKeyNeeds Actuator(string deploymentSuite, KeyPaths keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (!CryptoSuites.TryParse(deploymentSuite, out var suite))
        {
            // The AppHost refuses the setting at start; until then, nothing is handed out on its account.
            return new ActuatorKeyNeeds(false, false, false, false);
        }

        var registry = TryLoadRegistry(keys, out _);
        var opens = new HashSet<CryptoSuite> { suite };
        foreach (var profile in registry?.Devices.Values ?? [])
        {
            foreach (var name in profile.Suites ?? [])
            {
                if (CryptoSuites.TryParse(name, out var pinned))
                {
                    opens.Add(pinned);
                }
            }
        }

        var acks = SenderSuites.AcknowledgementSuites(suite, registry);
        return new ActuatorKeyNeeds(OpensSeed: opens.Contains(CryptoSuite.Seed), OpensV2: opens.Any(SuiteFormat.IsV2Suite),
            AcksInSeed: acks.Contains(CryptoSuite.Seed), AcksInV2: acks.Any(SuiteFormat.IsV2Suite));
    }

    /// <summary>
    /// The registry KeyGen wrote. One it has not written yet is its default, which pins nothing (null, readable); one that
    /// does not load is null and not readable (the services report it themselves at start).
    /// </summary>
    private static DeviceRegistry? TryLoadRegistry(KeyPaths keys, out bool readable)
    {
        readable = true;
        if (!File.Exists(keys.DeviceRegistry))
        {
            return null;
        }

        try
        {
            return DeviceRegistry.Load(keys.DeviceRegistry);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or KeyMaterialException or ArgumentException)
        {
            readable = false;
            return null;
        }
    }
}

/// <summary>
/// What the secure sensor is given: per device the files of its chosen suite (<see cref="Choices"/>), the actuator's public
/// key of each chosen suite, and the device registry only when a pin changes a device's suite (or it does not load), so a
/// deployment where every device follows <c>Security:Suite</c> holds what it always held.
/// </summary>
internal sealed record SensorKeyNeeds(IReadOnlyList<DeviceSuiteChoice> Choices, bool GivesRegistry)
{
    /// <summary>Some device seals in seed: the actuator's RSA public key and DSA acknowledgement key, and those devices' DSA keys.</summary>
    public bool Seed => Choices.Any(c => c.Suite == CryptoSuite.Seed);

    /// <summary>
    /// Some device seals in a v2 suite: the actuator's X25519 public key and Ed25519 acknowledgement public key, and those
    /// devices' Ed25519 keys.
    /// </summary>
    public bool V2 => Choices.Any(c => SuiteFormat.IsV2Suite(c.Suite));
}

/// <summary>
/// What the secure actuator is given besides its broker login and the public device material: seed's RSA private key when it
/// opens seed, the X25519 key when it opens a v2 suite, and the acknowledgement key of each suite it acknowledges in (DSA
/// for seed, Ed25519 for v2).
/// </summary>
internal sealed record ActuatorKeyNeeds(bool OpensSeed, bool OpensV2, bool AcksInSeed, bool AcksInV2);
