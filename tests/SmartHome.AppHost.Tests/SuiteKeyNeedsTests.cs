using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using SmartHome.Security;

namespace SmartHome.AppHost.Tests;

/// <summary>
/// Which suite files the secure sensor is handed: per device exactly its chosen suite's private key, the actuator's public
/// key of each chosen suite, and the registry only when a pin moves a device off the deployment's suite.
/// </summary>
public sealed class SuiteKeyNeedsTests : IDisposable
{
    private static readonly string[] Devices = ["temp-living", "door-front", "smoke-kitchen"];

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private KeyPaths Keys => new(Path.Combine(_temp.Path, "keys"));

    /// <summary>A registry of <see cref="Devices"/> with the given pins (device → suites).</summary>
    private void WriteRegistry(params (string Device, string[] Suites)[] pins)
    {
        Directory.CreateDirectory(Keys.DevicesDirectory);
        new DeviceRegistry(Devices.Select(id => new KeyValuePair<string, DeviceProfile>(id, DeviceRegistry.DefaultProfileFor(id) with
        {
            Suites = pins.FirstOrDefault(p => p.Device == id).Suites,
        }))).Write(Keys.DeviceRegistry);
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("modern")]
    [InlineData("session-signed")]
    public void Without_pins_every_device_follows_the_deployment_and_the_sensor_gets_no_registry(string suite)
    {
        WriteRegistry();
        var needs = SuiteKeyNeeds.Sensor(suite, Keys, Devices);

        Assert.All(needs.Choices, c => Assert.Equal(suite, c.Suite.Name()));
        Assert.False(needs.GivesRegistry);
        Assert.Equal(suite == "seed", needs.Seed);
        Assert.Equal(suite != "seed", needs.V2);
    }

    [Fact]
    public void A_registry_keygen_has_not_written_yet_pins_nothing()
    {
        var needs = SuiteKeyNeeds.Sensor("seed", Keys, Devices);

        Assert.True(needs.Seed);
        Assert.False(needs.V2);
        Assert.False(needs.GivesRegistry);
    }

    [Fact]
    public void A_pin_that_excludes_the_deployment_suite_needs_that_suite_for_that_device_and_the_registry()
    {
        WriteRegistry(("temp-living", ["modern"]), ("door-front", ["seed", "session-signed"]));
        var needs = SuiteKeyNeeds.Sensor("seed", Keys, Devices);

        Assert.Equal([CryptoSuite.Modern, CryptoSuite.Seed, CryptoSuite.Seed], needs.Choices.Select(c => c.Suite));
        Assert.True(needs.Seed);
        Assert.True(needs.V2);
        Assert.True(needs.GivesRegistry);
    }

    [Fact]
    public void A_pin_that_allows_the_deployment_suite_changes_nothing()
    {
        WriteRegistry(("temp-living", ["seed", "modern"]));
        var needs = SuiteKeyNeeds.Sensor("seed", Keys, Devices);

        Assert.False(needs.V2);
        Assert.False(needs.GivesRegistry);
        // The actuator still opens modern for it.
        Assert.True(SuiteKeyNeeds.Actuator("seed", Keys).OpensV2);
    }

    [Fact]
    public void In_a_v2_deployment_only_a_device_pinned_to_seed_needs_seed()
    {
        WriteRegistry(("smoke-kitchen", ["seed"]));
        Assert.False(SuiteKeyNeeds.Sensor("modern", Keys, ["temp-living", "door-front"]).Seed);

        var needs = SuiteKeyNeeds.Sensor("modern", Keys, Devices);
        Assert.True(needs.Seed);
        Assert.Equal(CryptoSuite.Seed, Assert.Single(needs.Choices, c => c.Pinned).Suite);
    }

    [Fact]
    public void A_registry_that_does_not_load_is_handed_over_so_the_sensor_names_it()
    {
        Directory.CreateDirectory(Keys.DevicesDirectory);
        File.WriteAllText(Keys.DeviceRegistry, "{");

        var needs = SuiteKeyNeeds.Sensor("seed", Keys, Devices);
        Assert.True(needs.GivesRegistry);
        Assert.All(needs.Choices, c => Assert.Equal(CryptoSuite.Seed, c.Suite));
    }

    [Fact]
    public async Task The_model_hands_the_sensor_each_device_s_chosen_suite_key_only()
    {
        KeyMaterialGenerator.Generate(Keys, new KeyGenOptions());
        var registry = DeviceRegistry.Load(Keys.DeviceRegistry);
        registry.With("temp-living", registry.Devices["temp-living"] with { Suites = ["modern"] }).Write(Keys.DeviceRegistry);
        string[] args =
        [
            "--Broker:Mode=embedded",
            "--Pipelines:Insecure:BrokerPort=0",
            "--Pipelines:Secure:BrokerPort=0",
            $"--SmartHome:KeysDirectory={Keys.Root}",
            $"--SmartHome:LogDirectory={Path.Combine(_temp.Path, "logs")}",
            $"--SmartHome:StateDirectory={Path.Combine(_temp.Path, "state")}",
        ];
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.SmartHome_AppHost>(args);
        var resource = (ProjectResource)Assert.Single(builder.Resources, r => r.Name == "secure-sensor");
#pragma warning disable CS0618 // The evaluators for a model that is not running.
        var sensor = await resource.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
#pragma warning restore CS0618

        Assert.Equal(Keys.DeviceSuitePrivateKey("temp-living"), sensor["Security__SuiteSigningKeys__temp-living"]);
        Assert.DoesNotContain("Security__SigningKeys__temp-living", sensor.Keys);
        Assert.Equal(Keys.DevicePrivateKey("door-front"), sensor["Security__SigningKeys__door-front"]);
        Assert.DoesNotContain("Security__SuiteSigningKeys__door-front", sensor.Keys);
        Assert.Equal(Keys.ActuatorAgreementPublicKey, sensor["Security__ActuatorAgreementPublicKey"]);
        Assert.Equal(Keys.ActuatorPublicKey, sensor["Security__ActuatorPublicKey"]);
        Assert.Equal(Keys.DeviceRegistry, sensor["Security__DeviceRegistry"]);
    }

    [Theory]
    [InlineData("seed", null, false)]
    [InlineData("seed", "seed,modern", false)]
    [InlineData("seed", "modern", true)]
    [InlineData("modern", null, true)]
    [InlineData("session-signed", "seed", true)]
    public void The_actuator_gets_its_Ed25519_acknowledgement_key_when_a_device_is_acknowledged_in_a_v2_suite(string suite, string? pin, bool expected)
    {
        if (pin is null)
        {
            WriteRegistry();
        }
        else
        {
            WriteRegistry(("temp-living", pin.Split(',')));
        }

        Assert.Equal(expected, SuiteKeyNeeds.Actuator(suite, Keys).AcksInV2);
    }

    [Theory]
    [InlineData("seed", null, true, false)]
    [InlineData("modern", null, false, true)]
    [InlineData("modern", "seed", true, true)]
    [InlineData("session-signed", "modern", false, true)]
    [InlineData("seed", "modern", true, true)]
    public void The_actuator_gets_the_private_keys_of_the_suites_it_opens_and_acknowledges_in(string suite, string? pin, bool seed, bool v2)
    {
        if (pin is null)
        {
            WriteRegistry();
        }
        else
        {
            WriteRegistry(("temp-living", [pin]));
        }

        var needs = SuiteKeyNeeds.Actuator(suite, Keys);
        Assert.Equal(new ActuatorKeyNeeds(OpensSeed: seed, OpensV2: v2, AcksInSeed: seed, AcksInV2: v2), needs);
    }
}
