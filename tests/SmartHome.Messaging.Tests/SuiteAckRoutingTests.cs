using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using SmartHome.Messaging.Secure;
using SmartHome.Security;

namespace SmartHome.Messaging.Tests;

/// <summary>
/// The acknowledgement protections as the actuator's and the sensor's Program build them: each device is acknowledged in
/// the suite it sends in (deployment suite and registry pins, <see cref="SenderSuites"/>), v1/DSA for seed and v2/Ed25519
/// for a v2 suite, and the sensor refuses the other kind for that device.
/// </summary>
public sealed class SuiteAckRoutingTests : IDisposable
{
    private static readonly string[] Devices = ["temp-living", "door-front"];

    private readonly string _root = Path.Combine(Path.GetTempPath(), "smarthome-ack-suites-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly KeyPaths _keys;

    public SuiteAckRoutingTests()
    {
        _keys = new KeyPaths(Path.Combine(_root, "keys"));
        Directory.CreateDirectory(_keys.ActuatorDirectory);
        Directory.CreateDirectory(_keys.DevicesDirectory);
        Directory.CreateDirectory(_keys.IdentityDirectory("actuator"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void WriteDsaAckKeys()
    {
        using var dsa = DSA.Create(2048);
        File.WriteAllText(_keys.ActuatorSigningPrivateKey, dsa.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(_keys.ActuatorSigningPublicKey, dsa.ExportSubjectPublicKeyInfoPem());
    }

    private void WriteEd25519AckKeys()
    {
        var (privatePem, publicPem) = KeyFiles.NewNSecPair(NSec.Cryptography.SignatureAlgorithm.Ed25519);
        File.WriteAllText(_keys.ActuatorAckSuitePrivateKey, privatePem);
        File.WriteAllText(_keys.ActuatorAckSuitePublicKey, publicPem);
    }

    /// <summary>temp-living pinned to <paramref name="pin"/>, door-front unpinned.</summary>
    private void WriteRegistry(string pin) =>
        new DeviceRegistry(Devices.Select(id => new KeyValuePair<string, DeviceProfile>(id, DeviceRegistry.DefaultProfileFor(id) with
        {
            Suites = id == "temp-living" ? [pin] : null,
        }))).Write(_keys.DeviceRegistry);

    private IConfiguration Configuration(string suite, string role) => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Pipeline"] = "secure",
        ["Security:Suite"] = suite,
        ["SmartHome:KeysDirectory"] = _keys.Root,
        ["SmartHome:StateDirectory"] = Path.Combine(_root, "state-" + role),
    }).Build();

    private static byte[] Body(string id) => AckBody.Encode([AckEntry.ForApplied(id)]);

    [Fact]
    public void A_seed_deployment_with_a_modern_pin_acknowledges_each_device_in_its_own_suite()
    {
        WriteDsaAckKeys();
        WriteEd25519AckKeys();
        WriteRegistry("modern");
        var actuator = ProtectionFactory.AcksForActuator("secure", Configuration("seed", "actuator"));
        var sensor = ProtectionFactory.AcksForSensor("secure", Configuration("seed", "sensor"), Devices);

        var pinned = actuator.Seal("temp-living", Body("m-1"));
        var unpinned = actuator.Seal("door-front", Body("m-2"));
        Assert.Equal([SuiteFormat.Version, (byte)EnvelopeType.Acknowledgement, (byte)CryptoSuite.Modern], pinned.Payload[..3]);
        Assert.Equal([EnvelopeFormat.Version, (byte)EnvelopeType.Acknowledgement], unpinned.Payload[..2]);

        var first = sensor.Open(pinned.Topic, pinned.Payload);
        var second = sensor.Open(unpinned.Topic, unpinned.Payload);
        Assert.True(first.Accepted, first.Reason + " " + first.Detail);
        Assert.True(second.Accepted, second.Reason + " " + second.Detail);
        Assert.Equal("m-1", Assert.Single(first.Entries!).MessageId);

        // Each device's acknowledgement on the other's topic: the other suite, refused before any signature.
        var downgrade = sensor.Open(Topics.Acks("temp-living"), actuator.Seal("door-front", Body("m-3")).Payload);
        Assert.Equal(SmartHome.Security.RejectReasons.SuiteNotAllowed, downgrade.Reason);
        var upgrade = sensor.Open(Topics.Acks("door-front"), actuator.Seal("temp-living", Body("m-4")).Payload);
        Assert.Equal(SmartHome.Security.RejectReasons.SuiteNotAllowed, upgrade.Reason);
    }

    [Theory]
    [InlineData("modern")]
    [InlineData("session-signed")]
    public void A_v2_deployment_needs_no_DSA_acknowledgement_key(string suite)
    {
        WriteEd25519AckKeys();
        var actuator = ProtectionFactory.AcksForActuator("secure", Configuration(suite, "actuator"));
        var sensor = ProtectionFactory.AcksForSensor("secure", Configuration(suite, "sensor"), Devices);

        var message = actuator.Seal("door-front", Body("m-1"));
        Assert.Equal((byte)CryptoSuites.Parse(suite), message.Payload[2]);
        var opened = sensor.Open(message.Topic, message.Payload);
        Assert.True(opened.Accepted, opened.Reason + " " + opened.Detail);
    }

    [Fact]
    public void A_seed_deployment_needs_no_Ed25519_acknowledgement_key_and_sends_v1()
    {
        WriteDsaAckKeys();
        var actuator = ProtectionFactory.AcksForActuator("secure", Configuration("seed", "actuator"));
        var sensor = ProtectionFactory.AcksForSensor("secure", Configuration("seed", "sensor"), Devices);

        var message = actuator.Seal("temp-living", Body("m-1"));
        Assert.Equal(EnvelopeFormat.Version, message.Payload[0]);
        Assert.True(sensor.Open(message.Topic, message.Payload).Accepted);
    }

    [Fact]
    public void A_missing_Ed25519_acknowledgement_key_is_named_when_a_device_needs_it()
    {
        WriteDsaAckKeys();
        WriteRegistry("session-signed");
        var error = Assert.Throws<KeyMaterialException>(() => ProtectionFactory.AcksForActuator("secure", Configuration("seed", "actuator")));
        Assert.Contains(_keys.ActuatorAckSuitePrivateKey, error.Message, StringComparison.Ordinal);
    }
}
