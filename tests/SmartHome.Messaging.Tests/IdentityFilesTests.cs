using Microsoft.Extensions.Configuration;
using SmartHome.Messaging.Secure;
using SmartHome.Security;

namespace SmartHome.Messaging.Tests;

/// <summary>
/// Each role reads exactly the files configuration names for its identities (no keys folder), and the actuator binds
/// data to smarthome/readings/&lt;sender&gt; and announcements to smarthome/keys/&lt;sender&gt;.
/// </summary>
public sealed class IdentityFilesTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("shmsg-identity-").FullName;

    private KeyPaths Keys => new(Path.Combine(_work, "keys"));

    public IdentityFilesTests() =>
        KeyMaterialGenerator.Generate(Keys, new KeyGenOptions { Devices = ["temp-living"], ServiceUsers = ["actuator"] });

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(
            values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))
                .Append(new("SmartHome:StateDirectory", Path.Combine(_work, "state")))
                // A keys folder that does not exist: any fallback to it would fail the test.
                .Append(new("SmartHome:KeysDirectory", Path.Combine(_work, "no-keys-here")))).Build();

    [Fact]
    public void The_actuator_takes_data_only_on_the_senders_readings_topic_and_keys_only_on_its_keys_topic()
    {
        var sensorConfig = Configuration(
            (ProtectionFactory.ActuatorPublicKeyKey, Keys.ActuatorPublicKey),
            ($"{ProtectionFactory.SigningKeysSection}:temp-living", Keys.DevicePrivateKey("temp-living")));
        var actuatorConfig = Configuration(
            (ProtectionFactory.DecryptionKeyKey, Keys.ActuatorPrivateKey),
            (ProtectionFactory.DevicePublicKeysKey, Keys.DevicesDirectory),
            ("Security:DeviceRegistry", Keys.DeviceRegistry),
            ("Pipeline", "secure"));
        using var sensor = (SecureSenderProtection)ProtectionFactory.ForSensor("secure", sensorConfig, ["temp-living"]);
        using var actuator = (SecureReceiverProtection)ProtectionFactory.ForActuator("secure", actuatorConfig,
            ProtectionFactory.LoadRegistry(actuatorConfig));

        var sealedMessages = sensor.Protect("temp-living", [1, 2, 3]);
        Assert.Equal(["smarthome/keys/temp-living", "smarthome/readings/temp-living"], sealedMessages.Select(m => m.Topic));
        var (announcement, data) = (sealedMessages[0], sealedMessages[1]);

        Assert.Equal("wrong-topic", actuator.Unprotect("smarthome/readings/temp-living", announcement.Payload).Reason);
        Assert.Equal(InboundKind.Control, actuator.Unprotect(announcement.Topic, announcement.Payload).Kind);
        Assert.Equal("wrong-topic", actuator.Unprotect("smarthome/keys/temp-living", data.Payload).Reason);
        Assert.Equal("wrong-topic", actuator.Unprotect("smarthome/readings/temp-living/x", data.Payload).Reason);
        Assert.Equal([1, 2, 3], actuator.Unprotect(data.Topic, data.Payload).Plaintext);
    }

    [Fact]
    public void A_broker_password_comes_only_from_that_identitys_own_file()
    {
        var configuration = Configuration(
            ("ConnectionStrings:broker", "mqtts://127.0.0.1:8883"),
            ("Broker:Authenticate", "true"),
            ("Broker:PasswordFiles:actuator", Keys.BrokerPassword("actuator")));

        var options = BrokerClientFactory.CreateOptions(configuration, "actuator", "secure-actuator");
        Assert.Equal("actuator", options.Username);
        Assert.Equal(File.ReadAllText(Keys.BrokerPassword("actuator")).Trim(), options.Password);

        // temp-living's file exists, but this process was not given it.
        var ex = Assert.Throws<InvalidOperationException>(() => BrokerClientFactory.CreateOptions(configuration, "temp-living", "x"));
        Assert.Contains("Broker:PasswordFiles:temp-living", ex.Message, StringComparison.Ordinal);
    }
}
