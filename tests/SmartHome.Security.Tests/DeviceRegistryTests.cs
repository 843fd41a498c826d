namespace SmartHome.Security.Tests;

/// <summary>The device registry KeyGen writes next to the keys: defaults, operator edits kept, bad files named.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class DeviceRegistryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("shsec-registry-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void KeyGen_registers_every_device_it_generates_keys_for_and_keeps_what_an_operator_tightened()
    {
        var paths = new KeyPaths(_root);
        KeyMaterialGenerator.Generate(paths, new KeyGenOptions());

        var registry = DeviceRegistry.Load(paths.DeviceRegistry);
        Assert.Equal(["door-front", "plug-garage", "smoke-kitchen", "temp-living"], registry.Devices.Keys);
        Assert.Equal(new DeviceProfile("power", "W", 0, 4_000, DeviceRegistry.LabMaxReadingsPerSecond), registry.Devices["plug-garage"]);
        Assert.Equal("door", registry.Devices["door-front"].Kind);
        Assert.Equal([0.0, 1.0], registry.Devices["door-front"].Values);
        Assert.Equal(KeyFiles.PublicMode, File.GetUnixFileMode(paths.DeviceRegistry));

        // An operator tightens the thermostat; a later KeyGen run (here adding a fleet device) keeps that and adds the new one.
        registry.With("temp-living", new DeviceProfile("temperature", "°C", 5, 35, 2)).Write(paths.DeviceRegistry);
        KeyMaterialGenerator.Generate(paths, new KeyGenOptions { Fleet = 1 });

        var after = DeviceRegistry.Load(paths.DeviceRegistry);
        Assert.Equal(new DeviceProfile("temperature", "°C", 5, 35, 2), after.Devices["temp-living"]);
        Assert.Equal("temperature", after.Devices["fleet-0001"].Kind);
        Assert.Equal(5, after.Devices.Count);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("""{ "version": 2, "devices": {} }""", "not version 1")]
    [InlineData("""{ "version": 1 }""", "no \"devices\"")]
    [InlineData("""{ "version": 1, "devices": { "plug-garage": { "kind": "lock", "unit": "", "min": 0, "max": 1, "maxReadingsPerSecond": 1 } } }""", "kind 'lock'")]
    [InlineData("""{ "version": 1, "devices": { "plug-garage": { "kind": "power", "unit": "W", "min": 5, "max": 1, "maxReadingsPerSecond": 1 } } }""", "min ≤ max")]
    [InlineData("""{ "version": 1, "devices": { "plug-garage": { "kind": "power", "unit": "W", "min": 0, "max": 1, "maxReadingsPerSecond": 0 } } }""", "maxReadingsPerSecond")]
    [InlineData("""{ "version": 1, "devices": { "Plug Garage": { "kind": "power", "unit": "W", "min": 0, "max": 1, "maxReadingsPerSecond": 1 } } }""", "not a valid device id")]
    [InlineData("""{ "version": 1, "devices": { "plug-garage": { "kind": "power", "unit": "W", "min": 0, "max": 1, "maxReadingsPerSecond": 1, "admin": true } } }""", "not a valid profile")]
    public void A_bad_registry_is_refused_in_one_sentence_naming_the_file(string content, string expected)
    {
        var path = Path.Combine(_root, "registry.json");
        File.WriteAllText(path, content);

        var ex = Assert.Throws<KeyMaterialException>(() => DeviceRegistry.Load(path));

        Assert.Equal(path, ex.FilePath);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_registry_is_named()
    {
        var path = Path.Combine(_root, "devices", "registry.json");
        var ex = Assert.Throws<KeyMaterialException>(() => DeviceRegistry.Load(path));
        Assert.Equal(path, ex.FilePath);
    }

    [Theory]
    [InlineData("temp-living", -40.0, true)]
    [InlineData("temp-living", 85.0, true)]
    [InlineData("temp-living", 85.01, false)]
    [InlineData("temp-living", double.NaN, false)]
    [InlineData("door-front", 0.0, true)]
    [InlineData("door-front", 0.5, false)]
    [InlineData("smoke-kitchen", 100.0, true)]
    [InlineData("smoke-kitchen", -0.1, false)]
    [InlineData("plug-garage", 4000.0, true)]
    [InlineData("plug-garage", 4000.1, false)]
    public void Default_profiles_give_the_plausible_ranges_of_the_lab(string device, double value, bool plausible) =>
        Assert.Equal(plausible, DeviceRegistry.DefaultProfileFor(device).Implausibility(value) is null);
}
