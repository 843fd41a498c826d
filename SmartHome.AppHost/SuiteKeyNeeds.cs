using SmartHome.Security;

namespace SmartHome.AppHost;

/// <summary>
/// Which suites' key files the secure services are given: only those they can use (one secret, one owner). Seed's files
/// are always given (acknowledgements are DSA-signed in every suite); the v2 suites' files only when a v2 suite can be in use.
/// </summary>
internal static class SuiteKeyNeeds
{
    /// <summary>The sensor seals every device in the deployment's suite.</summary>
    public static bool SensorNeedsV2(string deploymentSuite) =>
        CryptoSuites.TryParse(deploymentSuite, out var suite) && SuiteFormat.IsV2Suite(suite);

    /// <summary>
    /// The actuator opens what the deployment's suite or the device registry allows: a registry that pins a device to a v2
    /// suite needs the X25519 key too. A registry KeyGen has not written yet is its default, which pins nothing; one that
    /// does not load is reported by the actuator itself at start.
    /// </summary>
    public static bool ActuatorNeedsV2(string deploymentSuite, KeyPaths keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (SensorNeedsV2(deploymentSuite))
        {
            return true;
        }

        if (!File.Exists(keys.DeviceRegistry))
        {
            return false;
        }

        try
        {
            return DeviceRegistry.Load(keys.DeviceRegistry).Devices.Values.Any(profile =>
                profile.Suites?.Any(name => CryptoSuites.TryParse(name, out var suite) && SuiteFormat.IsV2Suite(suite)) == true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or KeyMaterialException or ArgumentException)
        {
            return false;
        }
    }
}
