using System.Security.Cryptography;

namespace SmartHome.Security;

/// <summary>
/// The device public keys a receiver verifies with (<c>{id}.dsa.pub.pem</c> in a devices folder, see
/// <see cref="KeyPaths.DevicesDirectory"/>). Holds no secret: private keys and passwords are loaded from the explicit
/// files of one identity (<see cref="KeyFiles"/>, <see cref="BrokerPasswords.ReadPasswordFile"/>), never looked up
/// in a shared folder. Every failure is a <see cref="KeyMaterialException"/> naming the file.
/// </summary>
public sealed class KeyStore : IDisposable
{
    private readonly Dictionary<string, DSA> _devices;

    private KeyStore(string devicesDirectory, Dictionary<string, DSA> devices)
    {
        DevicesDirectory = devicesDirectory;
        _devices = devices;
    }

    /// <summary>The folder the public keys came from.</summary>
    public string DevicesDirectory { get; }

    /// <summary>Device id → DSA public key, for every <c>*.dsa.pub.pem</c>.</summary>
    public IReadOnlyDictionary<string, DSA> DevicePublicKeys => _devices;

    /// <summary>Loads the device public keys of the keys folder <paramref name="keysDirectory"/> (default: <see cref="KeyPaths.FindDefaultRoot"/>).</summary>
    public static KeyStore Load(string? keysDirectory = null)
    {
        var paths = new KeyPaths(keysDirectory ?? KeyPaths.FindDefaultRoot());
        if (!Directory.Exists(paths.Root))
        {
            throw new KeyMaterialException(paths.Root, $"Missing keys folder '{paths.Root}'; run SmartHome.KeyGen to create it.");
        }
        return LoadDevices(paths.DevicesDirectory);
    }

    /// <summary>Loads every <c>{id}.dsa.pub.pem</c> of <paramref name="devicesDirectory"/>; an empty or missing folder is an error.</summary>
    public static KeyStore LoadDevices(string devicesDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(devicesDirectory);
        devicesDirectory = Path.GetFullPath(devicesDirectory);
        var ids = KeyPaths.ListDeviceIds(devicesDirectory);
        if (ids.Count == 0)
        {
            throw new KeyMaterialException(devicesDirectory, $"Missing device public keys: '{devicesDirectory}' has no *.dsa.pub.pem; run SmartHome.KeyGen to create them.");
        }
        var devices = new Dictionary<string, DSA>(StringComparer.Ordinal);
        try
        {
            foreach (string id in ids)
            {
                devices.Add(id, KeyFiles.LoadDsa(Path.Combine(devicesDirectory, id + ".dsa.pub.pem"), requirePrivate: false));
            }
        }
        catch
        {
            foreach (var d in devices.Values)
            {
                d.Dispose();
            }
            throw;
        }
        return new KeyStore(devicesDirectory, devices);
    }

    /// <summary>A device's DSA public key, or a <see cref="KeyMaterialException"/> naming the missing file.</summary>
    public DSA GetDevicePublicKey(string deviceId)
    {
        if (_devices.TryGetValue(deviceId, out DSA? key))
        {
            return key;
        }
        string file = Path.Combine(DevicesDirectory, deviceId + ".dsa.pub.pem");
        throw new KeyMaterialException(file, $"Missing DSA public key file '{file}' for device '{deviceId}'; run SmartHome.KeyGen.");
    }

    public void Dispose()
    {
        foreach (var d in _devices.Values)
        {
            d.Dispose();
        }
    }
}
