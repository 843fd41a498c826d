using Microsoft.Extensions.Configuration;
using SmartHome.Messaging.Secure;
using SmartHome.Security;

namespace SmartHome.Messaging.Tests;

/// <summary>
/// Registry suite pins end to end without the app: the sensor's and the actuator's protection built by the factory over one
/// keys folder, in a seed deployment whose registry pins one device to modern and one to session-signed. Every device's
/// readings must open (before the sensor honoured pins, the pinned devices' were all suite-not-allowed).
/// </summary>
public sealed class SuitePinTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("shmsg-pins-").FullName;

    private static readonly string[] Devices = ["temp-living", "door-front", "smoke-kitchen"];

    private KeyPaths Keys => new(Path.Combine(_work, "keys"));

    public SuitePinTests()
    {
        KeyMaterialGenerator.Generate(Keys, new KeyGenOptions { Devices = Devices, ServiceUsers = ["actuator"] });
        var registry = DeviceRegistry.Load(Keys.DeviceRegistry);
        registry
            .With("temp-living", registry.Devices["temp-living"] with { Suites = [CryptoSuites.ModernName] })
            .With("door-front", registry.Devices["door-front"] with { Suites = [CryptoSuites.SessionSignedName, CryptoSuites.ModernName] })
            .Write(Keys.DeviceRegistry);
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private IConfiguration Configuration(string state, Dictionary<string, string?>? extra = null) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SmartHome:KeysDirectory"] = Keys.Root,
            ["SmartHome:StateDirectory"] = Path.Combine(_work, state),
            [ProtectionFactory.SuiteKey] = CryptoSuites.SeedName,
        }.Concat(extra ?? []).ToDictionary()).Build();

    [Fact]
    public void Every_device_is_accepted_in_its_chosen_suite_in_a_seed_deployment()
    {
        var config = Configuration("state");
        using var sensor = (SecureSenderProtection)ProtectionFactory.ForSensor("secure", config, Devices);
        using var actuator = (SecureReceiverProtection)ProtectionFactory.ForActuator("secure", config, ProtectionFactory.LoadRegistry(config));

        foreach (var device in Devices)
        {
            for (byte reading = 1; reading <= 3; reading++)
            {
                foreach (var message in sensor.Protect(device, [reading]))
                {
                    var verdict = actuator.Unprotect(message.Topic, message.Payload);
                    Assert.True(verdict.Kind != InboundKind.Rejected, $"{device}: {verdict.Reason} ({verdict.Detail})");
                    if (verdict.Kind == InboundKind.Data)
                    {
                        Assert.Equal([reading], verdict.Plaintext!);
                    }
                }
            }
        }

        Assert.Equal(
            [("temp-living", CryptoSuite.Modern, true), ("door-front", CryptoSuite.SessionSigned, true), ("smoke-kitchen", CryptoSuite.Seed, false)],
            sensor.Suites.Select(c => (c.DeviceId, c.Suite, c.Pinned)));
    }

    [Fact]
    public void The_replay_window_shows_the_senders_of_both_receivers_with_their_suite()
    {
        var config = Configuration("state-replay");
        using var sensor = (SecureSenderProtection)ProtectionFactory.ForSensor("secure", config, Devices);
        using var actuator = (SecureReceiverProtection)ProtectionFactory.ForActuator("secure", config, ProtectionFactory.LoadRegistry(config));

        // Before any message: every registered sender, a v2 one named by the suite it will send in.
        Assert.Equal([("door-front", "session-signed"), ("smoke-kitchen", "seed"), ("temp-living", "modern")],
            actuator.SnapshotReplayState().Select(r => (r.SenderId, r.Suite!)));
        Assert.All(actuator.SnapshotReplayState(), r => Assert.Equal(0u, r.CurrentKeyId));

        foreach (var device in new[] { "temp-living", "door-front" })
        {
            for (byte reading = 1; reading <= 3; reading++)
            {
                foreach (var message in sensor.Protect(device, [reading]))
                {
                    actuator.Unprotect(message.Topic, message.Payload);
                }
            }
        }
        var replayed = sensor.Protect("temp-living", [9]).Single();
        Assert.Equal(InboundKind.Data, actuator.Unprotect(replayed.Topic, replayed.Payload).Kind);
        Assert.Equal(InboundKind.Rejected, actuator.Unprotect(replayed.Topic, replayed.Payload).Kind);

        var rows = actuator.SnapshotReplayState().ToDictionary(r => r.SenderId);
        // Announcement (counter 1) and three readings: counters 1..4 in the window; the replay is counted as rejected.
        Assert.Equal(("modern", 5ul, 5L, 1L), (rows["temp-living"].Suite, rows["temp-living"].HighestCounter, rows["temp-living"].Accepted,
            rows["temp-living"].Rejected));
        Assert.Equal(("session-signed", 4ul, 4L, 0L), (rows["door-front"].Suite, rows["door-front"].HighestCounter, rows["door-front"].Accepted,
            rows["door-front"].Rejected));
        Assert.NotEqual(0u, rows["temp-living"].CurrentKeyId);
        Assert.NotNull(rows["door-front"].LastAccepted);
        Assert.Equal(("seed", 0ul), (rows["smoke-kitchen"].Suite, rows["smoke-kitchen"].HighestCounter));
    }

    [Fact]
    public void A_missing_key_of_a_pinned_suite_names_the_device_the_suite_and_the_file()
    {
        File.Delete(Keys.DeviceSuitePrivateKey("door-front"));
        var config = Configuration("state-missing");

        var ex = Assert.Throws<KeyMaterialException>(() => ProtectionFactory.ForSensor("secure", config, Devices));
        Assert.Contains("'door-front'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("session-signed", ex.Message, StringComparison.Ordinal);
        Assert.Contains(Keys.DeviceSuitePrivateKey("door-front"), ex.Message, StringComparison.Ordinal);
        // The sensor's start prints it as one sentence and stops (no crash loop with a stack trace).
        Assert.False(StartupCheck.TryRun(() => ProtectionFactory.ForSensor("secure", config, Devices), "x: ", out _));
    }

    [Fact]
    public void A_seed_device_needs_no_v2_key_and_a_pinned_device_no_dsa_key()
    {
        // What the AppHost hands a seed deployment's sensor with these pins: nothing else is read.
        File.Delete(Keys.DeviceSuitePrivateKey("smoke-kitchen"));
        File.Delete(Keys.DevicePrivateKey("temp-living"));
        File.Delete(Keys.DevicePrivateKey("door-front"));

        using var sensor = (SecureSenderProtection)ProtectionFactory.ForSensor("secure", Configuration("state-minimal"), Devices);
        Assert.Equal(3, sensor.Suites.Count);
    }

    [Fact]
    public void A_configured_registry_that_does_not_load_stops_the_start_naming_it()
    {
        var broken = Path.Combine(_work, "broken.json");
        File.WriteAllText(broken, "{");
        var config = Configuration("state-broken", new() { [ProtectionFactory.DeviceRegistryKey] = broken });

        var ex = Assert.Throws<KeyMaterialException>(() => ProtectionFactory.ForSensor("secure", config, Devices));
        Assert.Contains(broken, ex.Message, StringComparison.Ordinal);
    }
}
