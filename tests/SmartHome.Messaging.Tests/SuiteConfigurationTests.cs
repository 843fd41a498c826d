using Microsoft.Extensions.Configuration;
using SmartHome.Messaging.Secure;
using SmartHome.Security;

namespace SmartHome.Messaging.Tests;

/// <summary>
/// <c>Security:Suite</c> end to end through the factory both roles use: every suite round-trips sensor → actuator on
/// KeyGen's files, an unknown name and a missing key of a configured suite stop the start with one sentence, and a suite
/// the deployment does not allow is refused as suite-not-allowed.
/// </summary>
public sealed class SuiteConfigurationTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("shmsg-suite-").FullName;

    private KeyPaths Keys => new(Path.Combine(_work, "keys"));

    public SuiteConfigurationTests() =>
        KeyMaterialGenerator.Generate(Keys, new KeyGenOptions { Devices = ["temp-living"], ServiceUsers = ["actuator"] });

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private IConfiguration Configuration(string? suite, string state) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SmartHome:KeysDirectory"] = Keys.Root,
            ["SmartHome:StateDirectory"] = Path.Combine(_work, state),
            [ProtectionFactory.SuiteKey] = suite,
        }).Build();

    [Theory]
    [InlineData(null)]
    [InlineData("seed")]
    [InlineData("modern")]
    [InlineData("session-signed")]
    public void Each_suite_round_trips_through_the_factory(string? suite)
    {
        var config = Configuration(suite, "state-" + (suite ?? "default"));
        using var sensor = (SecureSenderProtection)ProtectionFactory.ForSensor("secure", config, ["temp-living"]);
        using var actuator = (SecureReceiverProtection)ProtectionFactory.ForActuator("secure", config, ProtectionFactory.LoadRegistry(config));
        var messages = sensor.Protect("temp-living", [1, 2, 3]);
        Assert.Equal(suite is null or "seed" ? EnvelopeFormat.Version : SuiteFormat.Version, messages[1].Payload[0]);
        Assert.Equal(InboundKind.Control, actuator.Unprotect(messages[0].Topic, messages[0].Payload).Kind);
        Assert.Equal([1, 2, 3], actuator.Unprotect(messages[1].Topic, messages[1].Payload).Plaintext);
    }

    [Fact]
    public void A_sensor_in_another_suite_than_the_actuator_is_refused_as_suite_not_allowed()
    {
        using var sensor = (SecureSenderProtection)ProtectionFactory.ForSensor("secure", Configuration("session-signed", "s1"), ["temp-living"]);
        var actuatorConfig = Configuration("modern", "s2");
        using var actuator = (SecureReceiverProtection)ProtectionFactory.ForActuator("secure", actuatorConfig, ProtectionFactory.LoadRegistry(actuatorConfig));
        var messages = sensor.Protect("temp-living", [1]);
        Assert.Equal(SmartHome.Security.RejectReasons.SuiteNotAllowed, actuator.Unprotect(messages[0].Topic, messages[0].Payload).Reason);
        Assert.Equal(SmartHome.Security.RejectReasons.SuiteNotAllowed, actuator.Unprotect(messages[1].Topic, messages[1].Payload).Reason);
    }

    [Fact]
    public void An_unknown_suite_name_stops_the_start_with_the_valid_names()
    {
        var config = Configuration("aes-only", "s3");
        var ex = Assert.Throws<InvalidOperationException>(() => ProtectionFactory.ForSensor("secure", config, ["temp-living"]));
        Assert.Equal("Security:Suite is 'aes-only', not one of seed, modern, session-signed.", ex.Message);
        Assert.Throws<InvalidOperationException>(() => ProtectionFactory.ForActuator("secure", config, ProtectionFactory.LoadRegistry(config)));
        Assert.False(StartupCheck.TryRun(() => ProtectionFactory.Suite(config), "x: ", out _));
    }

    [Fact]
    public void A_missing_key_of_the_configured_suite_names_its_file_and_the_suite()
    {
        File.Delete(Keys.DeviceSuitePublicKey("temp-living"));
        var config = Configuration("modern", "s4");
        var ex = Assert.Throws<KeyMaterialException>(() => ProtectionFactory.ForActuator("secure", config, ProtectionFactory.LoadRegistry(config)));
        Assert.Contains(Keys.DeviceSuitePublicKey("temp-living"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("needed by suite modern", ex.Message, StringComparison.Ordinal);
        // The seed deployment does not need it.
        using var seed = (SecureReceiverProtection)ProtectionFactory.ForActuator("secure", Configuration("seed", "s5"),
            ProtectionFactory.LoadRegistry(config));
    }
}
