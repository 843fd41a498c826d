using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SmartHome.Security;

/// <summary>
/// What one registered device is for: the only kind of reading it may send, the unit and plausible range of its values,
/// and how many readings per second it may send. A device's identity (its key, its broker login) proves who sent a
/// reading; its profile decides whether that sender may ask for what the reading asks.
/// </summary>
/// <param name="Kind">The one reading kind the device may send: <c>temperature</c>, <c>door</c>, <c>smoke</c> or <c>power</c>.</param>
/// <param name="Unit">Unit of its values (°C, open, %, W), for people and dashboards.</param>
/// <param name="Min">Smallest plausible value (inclusive).</param>
/// <param name="Max">Largest plausible value (inclusive).</param>
/// <param name="MaxReadingsPerSecond">Sustained reading rate allowed; one second's worth may arrive as a burst.</param>
/// <param name="Values">When set, the only values allowed (a door contact: 0 closed, 1 open).</param>
/// <param name="Suites">
/// The crypto suites (<see cref="CryptoSuites.Names"/>) this device may send in; null: the deployment's suite
/// (<c>Security:Suite</c>) only. A message in any other suite is <c>suite-not-allowed</c> (<see cref="SuitePolicy"/>).
/// </param>
public sealed record DeviceProfile(string Kind, string Unit, double Min, double Max, double MaxReadingsPerSecond,
    IReadOnlyList<double>? Values = null, IReadOnlyList<string>? Suites = null)
{
    /// <summary>Why <paramref name="value"/> is not plausible for this device, or null when it is.</summary>
    public string? Implausibility(double value)
    {
        if (!double.IsFinite(value) || value < Min || value > Max)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{value} {Unit} is outside the plausible range {Min}..{Max} {Unit}");
        }

        if (Values is { Count: > 0 } allowed && !allowed.Contains(value))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{value} is not one of the values a {Kind} device reports ({string.Join(", ", allowed)})");
        }

        return null;
    }
}

/// <summary>
/// The device registry: device id → <see cref="DeviceProfile"/>. One source of truth, written by KeyGen next to the keys
/// (<c>keys/devices/registry.json</c>) and read by the actuators of both pipelines. A device public key in
/// <c>keys/devices/</c> that is not in the registry is not a trusted sender.
/// </summary>
public sealed class DeviceRegistry
{
    public const int FormatVersion = 1;

    /// <summary>The reading kinds a device can be registered for.</summary>
    public static IReadOnlyList<string> Kinds { get; } = ["temperature", "door", "smoke", "power"];

    /// <summary>
    /// The lab's simulated devices are also its load generators: the report drives up to ≈ 2,500 readings/s through
    /// one device. A real deployment registers realistic rates (a door contact sends a few readings a minute).
    /// </summary>
    public const double LabMaxReadingsPerSecond = 5_000;

    private readonly SortedDictionary<string, DeviceProfile> _devices;

    public DeviceRegistry(IEnumerable<KeyValuePair<string, DeviceProfile>> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        _devices = new SortedDictionary<string, DeviceProfile>(StringComparer.Ordinal);
        foreach (var (id, profile) in devices)
        {
            if (Validate(id, profile) is { } problem)
            {
                throw new ArgumentException($"Device '{id}': {problem}.", nameof(devices));
            }

            _devices[id] = profile;
        }
    }

    public IReadOnlyDictionary<string, DeviceProfile> Devices => _devices;

    public bool TryGet(string deviceId, out DeviceProfile profile)
    {
        if (_devices.TryGetValue(deviceId, out var found))
        {
            profile = found;
            return true;
        }

        profile = null!;
        return false;
    }

    /// <summary>The profile the lab gives a device from its id prefix: <c>temp-</c>, <c>door-</c>, <c>smoke-</c>, <c>plug-</c>; fleet devices are thermometers.</summary>
    public static DeviceProfile DefaultProfileFor(string deviceId, double maxReadingsPerSecond = LabMaxReadingsPerSecond)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        return deviceId switch
        {
            _ when deviceId.StartsWith("door-", StringComparison.Ordinal) => new DeviceProfile("door", "open", 0, 1, maxReadingsPerSecond, [0, 1]),
            _ when deviceId.StartsWith("smoke-", StringComparison.Ordinal) => new DeviceProfile("smoke", "%", 0, 100, maxReadingsPerSecond),
            _ when deviceId.StartsWith("plug-", StringComparison.Ordinal) => new DeviceProfile("power", "W", 0, 4_000, maxReadingsPerSecond),
            _ => new DeviceProfile("temperature", "°C", -40, 85, maxReadingsPerSecond),
        };
    }

    /// <summary>Reads the registry; a missing or invalid file is a <see cref="KeyMaterialException"/> naming it.</summary>
    public static DeviceRegistry Load(string path)
    {
        string text = KeyFiles.ReadText(path, "device registry");
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text);
        }
        catch (JsonException ex)
        {
            throw new KeyMaterialException(path, $"Device registry '{path}' is not valid JSON: {ex.Message}", ex);
        }

        if (root?["version"]?.GetValueKind() != JsonValueKind.Number || root["version"]!.GetValue<int>() != FormatVersion)
        {
            throw new KeyMaterialException(path, $"Device registry '{path}' is not version {FormatVersion}; run SmartHome.KeyGen to write it.");
        }

        if (root["devices"] is not JsonObject devices)
        {
            throw new KeyMaterialException(path, $"Device registry '{path}' has no \"devices\" object.");
        }

        var profiles = new List<KeyValuePair<string, DeviceProfile>>();
        foreach (var (id, node) in devices)
        {
            DeviceProfile? profile;
            try
            {
                profile = node?.Deserialize(RegistryJson.Default.DeviceProfile);
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
            {
                throw new KeyMaterialException(path, $"Device registry '{path}': device '{id}' is not a valid profile ({ex.Message}).", ex);
            }

            var problem = profile is null ? "is empty" : Validate(id, profile);
            if (problem is not null)
            {
                throw new KeyMaterialException(path, $"Device registry '{path}': device '{id}' {problem}.");
            }

            profiles.Add(new(id, profile!));
        }

        return new DeviceRegistry(profiles);
    }

    /// <summary>Writes the registry (public: it holds no secret; mode 0644).</summary>
    public void Write(string path)
    {
        var devices = new JsonObject();
        foreach (var (id, profile) in _devices)
        {
            devices[id] = JsonSerializer.SerializeToNode(profile, RegistryJson.Default.DeviceProfile);
        }

        var root = new JsonObject { ["version"] = FormatVersion, ["devices"] = devices };
        KeyFiles.WriteAtomic(path, root.ToJsonString(RegistryJson.Default.Options) + "\n", isPrivate: false);
    }

    /// <summary>A copy with <paramref name="deviceId"/> added (or replaced).</summary>
    public DeviceRegistry With(string deviceId, DeviceProfile profile) =>
        new(_devices.Where(d => d.Key != deviceId).Append(new(deviceId, profile)));

    private static string? Validate(string id, DeviceProfile profile) => profile switch
    {
        _ when !DeviceIds.IsValid(id) => $"is not a valid device id ({DeviceIds.Rule})",
        { Kind: var kind } when !Kinds.Contains(kind, StringComparer.Ordinal) => $"has kind '{kind}', not one of {string.Join(", ", Kinds)}",
        { Min: var min, Max: var max } when !double.IsFinite(min) || !double.IsFinite(max) || min > max => "has no finite range min ≤ max",
        { MaxReadingsPerSecond: var rate } when !double.IsFinite(rate) || rate <= 0 => "has no positive maxReadingsPerSecond",
        { Values: { } values } when values.Any(v => v < profile.Min || v > profile.Max) => "lists values outside its range",
        { Suites: { Count: 0 } } => "lists no suite (leave \"suites\" out for the deployment's suite)",
        { Suites: { } suites } when suites.FirstOrDefault(n => !CryptoSuites.TryParse(n, out _)) is { } bad =>
            $"lists suite '{bad}', not one of {string.Join(", ", CryptoSuites.Names)}",
        { Suites: { } suites } when suites.Distinct(StringComparer.Ordinal).Count() != suites.Count => "lists a suite twice",
        _ => null,
    };
}

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true,
    DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow)]
[System.Text.Json.Serialization.JsonSerializable(typeof(DeviceProfile))]
internal sealed partial class RegistryJson : System.Text.Json.Serialization.JsonSerializerContext;
