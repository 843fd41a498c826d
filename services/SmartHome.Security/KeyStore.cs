using System.Security.Cryptography;

namespace SmartHome.Security;

/// <summary>
/// Loads key material from a keys/ folder (layout: <see cref="KeyPaths"/>, keys/README.md). Public keys are loaded
/// eagerly; private keys and passwords only on request, so a sensor process needs only its own private key.
/// Every failure is a <see cref="KeyMaterialException"/> naming the file.
/// </summary>
public sealed class KeyStore : IDisposable
{
    private readonly Dictionary<string, DSA> _devices;

    private KeyStore(KeyPaths paths, RSA actuatorPublic, Dictionary<string, DSA> devices)
    {
        Paths = paths;
        ActuatorPublicKey = actuatorPublic;
        _devices = devices;
    }

    public KeyPaths Paths { get; }

    /// <summary>The actuator's RSA public key (recipient of session keys).</summary>
    public RSA ActuatorPublicKey { get; }

    /// <summary>Device id → DSA public key, for every <c>devices/*.dsa.pub.pem</c>.</summary>
    public IReadOnlyDictionary<string, DSA> DevicePublicKeys => _devices;

    /// <summary>Loads public material from <paramref name="keysDirectory"/> (default: <see cref="KeyPaths.FindDefaultRoot"/>).</summary>
    public static KeyStore Load(string? keysDirectory = null)
    {
        var paths = new KeyPaths(keysDirectory ?? KeyPaths.FindDefaultRoot());
        if (!Directory.Exists(paths.Root))
        {
            throw new KeyMaterialException(paths.Root, $"Missing keys folder '{paths.Root}'; run SmartHome.KeyGen to create it.");
        }
        RSA actuator = KeyFiles.LoadRsa(paths.ActuatorPublicKey, requirePrivate: false);
        var devices = new Dictionary<string, DSA>(StringComparer.Ordinal);
        try
        {
            foreach (string id in paths.ListDeviceIds())
            {
                devices.Add(id, KeyFiles.LoadDsa(paths.DevicePublicKey(id), requirePrivate: false));
            }
        }
        catch
        {
            actuator.Dispose();
            foreach (var d in devices.Values)
            {
                d.Dispose();
            }
            throw;
        }
        return new KeyStore(paths, actuator, devices);
    }

    /// <summary>The actuator's RSA private key (caller disposes).</summary>
    public RSA LoadActuatorPrivateKey() => KeyFiles.LoadRsa(Paths.ActuatorPrivateKey, requirePrivate: true);

    /// <summary>A device's DSA public key, or a <see cref="KeyMaterialException"/> naming the missing file.</summary>
    public DSA GetDevicePublicKey(string deviceId) =>
        _devices.TryGetValue(deviceId, out DSA? key)
            ? key
            : throw new KeyMaterialException(Paths.DevicePublicKey(deviceId), $"Missing DSA public key file '{Paths.DevicePublicKey(deviceId)}' for device '{deviceId}'; run SmartHome.KeyGen.");

    /// <summary>A device's DSA private key (caller disposes).</summary>
    public DSA LoadDevicePrivateKey(string deviceId) => KeyFiles.LoadDsa(Paths.DevicePrivateKey(deviceId), requirePrivate: true);

    /// <summary>All broker user passwords from users.json.</summary>
    public IReadOnlyDictionary<string, string> LoadBrokerPasswords() => BrokerPasswords.ReadUsersFile(Paths.BrokerUsers);

    /// <summary>One broker user's password.</summary>
    public string GetBrokerPassword(string user) =>
        LoadBrokerPasswords().TryGetValue(user, out string? pw)
            ? pw
            : throw new KeyMaterialException(Paths.BrokerUsers, $"Broker users file '{Paths.BrokerUsers}' has no user '{user}'; run SmartHome.KeyGen.");

    public void Dispose()
    {
        ActuatorPublicKey.Dispose();
        foreach (var d in _devices.Values)
        {
            d.Dispose();
        }
    }
}
