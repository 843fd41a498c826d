using Microsoft.Extensions.Configuration;
using SmartHome.Security;

namespace SmartHome.Messaging.Secure;

/// <summary>
/// Builds each role's side of the pipeline seam from configuration. Missing or corrupt key files
/// surface as <see cref="KeyMaterialException"/> naming the file; callers print it as one sentence.
/// </summary>
public static class ProtectionFactory
{
    public static IMessageProtection ForSensor(string pipeline, IConfiguration configuration, IEnumerable<string> deviceIds)
    {
        if (pipeline == ProtectionRegistration.Insecure)
        {
            return new PlaintextProtection();
        }

        using var keys = KeyStore.Load(KeysDirectory(configuration));
        var rotation = new RotationPolicy
        {
            MaxMessages = configuration.GetValue("Security:RotateAfterMessages", RotationPolicy.Default.MaxMessages),
            MaxAge = TimeSpan.FromMinutes(configuration.GetValue("Security:RotateAfterMinutes", RotationPolicy.Default.MaxAge.TotalMinutes)),
        };
        return SecureSenderProtection.Create(keys, deviceIds, StateDirectory(configuration), rotation);
    }

    /// <summary>The device registry the actuator authorizes readings with (<c>Security:DeviceRegistry</c>, default keys/devices/registry.json).</summary>
    public static DeviceRegistry LoadRegistry(IConfiguration configuration) =>
        DeviceRegistry.Load(configuration["Security:DeviceRegistry"] is { Length: > 0 } path
            ? path
            : new KeyPaths(KeysDirectory(configuration) ?? KeyPaths.FindDefaultRoot()).DeviceRegistry);

    /// <summary>The actuator's side; on the secure pipeline only devices in <paramref name="registry"/> are trusted senders.</summary>
    public static IMessageProtection ForActuator(string pipeline, IConfiguration configuration, DeviceRegistry registry)
    {
        if (pipeline == ProtectionRegistration.Insecure)
        {
            return new PlaintextProtection();
        }

        // Not disposed: the receiver keeps using the device public keys the store loaded.
        var keys = KeyStore.Load(KeysDirectory(configuration));
        var freshness = TimeSpan.FromSeconds(configuration.GetValue("Security:FreshnessSeconds", 30.0));
        return SecureReceiverProtection.Create(keys, registry, StateDirectory(configuration), freshness);
    }

    private static string? KeysDirectory(IConfiguration configuration) =>
        configuration["SmartHome:KeysDirectory"] is { Length: > 0 } dir ? dir : null;

    private static string StateDirectory(IConfiguration configuration) =>
        configuration["SmartHome:StateDirectory"] is { Length: > 0 } dir
            ? Path.Combine(dir, configuration["Pipeline"] ?? "standalone")
            : Path.Combine(Directory.GetCurrentDirectory(), "state");
}
