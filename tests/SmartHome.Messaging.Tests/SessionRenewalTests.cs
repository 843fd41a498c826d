using Microsoft.Extensions.Configuration;
using SmartHome.Messaging.Secure;
using SmartHome.Security;

namespace SmartHome.Messaging.Tests;

/// <summary>
/// A receiver that never had a device's session key (its announcement lost with a crashed broker) refuses every reading
/// under it; <see cref="IMessageProtection.RenewSessionAtNextSend"/> makes the device's next message carry a new key's
/// announcement, which that receiver accepts, in every suite, through the factory both roles use.
/// </summary>
public sealed class SessionRenewalTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("shmsg-renew-").FullName;

    public SessionRenewalTests() =>
        KeyMaterialGenerator.Generate(new KeyPaths(Path.Combine(_work, "keys")),
            new KeyGenOptions { Devices = ["temp-living"], ServiceUsers = ["actuator"] });

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private IConfiguration Configuration(string suite, string state) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SmartHome:KeysDirectory"] = Path.Combine(_work, "keys"),
            ["SmartHome:StateDirectory"] = Path.Combine(_work, state),
            [ProtectionFactory.SuiteKey] = suite,
        }).Build();

    [Theory]
    [InlineData("seed")]
    [InlineData("modern")]
    [InlineData("session-signed")]
    public void A_receiver_that_missed_the_announcement_accepts_readings_after_a_renewal(string suite)
    {
        var sensorConfig = Configuration(suite, "sensor-" + suite);
        var actuatorConfig = Configuration(suite, "actuator-" + suite);
        using var sensor = (SecureSenderProtection)ProtectionFactory.ForSensor("secure", sensorConfig, ["temp-living"]);
        using var actuator = (SecureReceiverProtection)ProtectionFactory.ForActuator("secure", actuatorConfig,
            ProtectionFactory.LoadRegistry(actuatorConfig));

        // The first announcement never reaches the actuator: every reading under that key is refused.
        var first = sensor.Protect("temp-living", [1]);
        Assert.Equal(2, first.Count);
        Assert.Equal(RejectReasons.UnknownKey, actuator.Unprotect(first[1].Topic, first[1].Payload).Reason);
        var second = Assert.Single(sensor.Protect("temp-living", [2]));
        Assert.Equal(RejectReasons.UnknownKey, actuator.Unprotect(second.Topic, second.Payload).Reason);

        sensor.RenewSessionAtNextSend("temp-living");
        var renewed = sensor.Protect("temp-living", [3]);
        Assert.Equal(2, renewed.Count);
        Assert.True(renewed[0].Retain, "the new key's announcement is retained like every announcement");
        Assert.Equal(Topics.Keys("temp-living"), renewed[0].Topic);
        Assert.Equal(InboundKind.Control, actuator.Unprotect(renewed[0].Topic, renewed[0].Payload).Kind);
        Assert.Equal([3], actuator.Unprotect(renewed[1].Topic, renewed[1].Payload).Plaintext);

        // One renewal per request: the next reading goes under the same new key, without an announcement.
        var after = Assert.Single(sensor.Protect("temp-living", [4]));
        Assert.Equal([4], actuator.Unprotect(after.Topic, after.Payload).Plaintext);
    }

    [Fact]
    public void Plaintext_has_no_session_to_renew()
    {
        var plaintext = new PlaintextProtection();
        plaintext.RenewSessionAtNextSend("temp-living");
        Assert.Single(plaintext.Protect("temp-living", [1]));
    }
}
