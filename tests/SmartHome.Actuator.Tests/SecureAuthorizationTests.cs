using System.Buffers;
using Microsoft.Extensions.Logging.Abstractions;
using SmartHome.Contracts;
using SmartHome.Messaging;
using SmartHome.Messaging.Secure;
using SmartHome.Security;
using RejectReasons = SmartHome.Messaging.RejectReasons;

namespace SmartHome.Actuator.Tests;

/// <summary>Generated keys for the secure actuator path (DSA-2048 keygen is slow: once per class).</summary>
public sealed class SecureKeysFixture : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("shmsg-keys-").FullName;

    public KeyPaths Paths { get; }

    public SecureKeysFixture()
    {
        Paths = new KeyPaths(Path.Combine(Root, "keys"));
        KeyMaterialGenerator.Generate(Paths, new KeyGenOptions());
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>
/// The real secure actuator path (envelope receiver, registry, rules, decision log): a sealed, correctly signed reading
/// is applied only if the registry lets its sender send it, and a key file without a registry entry is not a sender.
/// </summary>
public sealed class SecureAuthorizationTests(SecureKeysFixture keys) : IClassFixture<SecureKeysFixture>, IDisposable
{
    private readonly string _state = Directory.CreateTempSubdirectory("shmsg-state-").FullName;
    private readonly HomeState _home = new();
    private readonly DecisionLog _log = new(1000);

    public void Dispose() => Directory.Delete(_state, recursive: true);

    private (ReadingProcessor Processor, SecureReceiverProtection Protection) Actuator(DeviceRegistry registry)
    {
        var store = KeyStore.LoadDevices(keys.Paths.DevicesDirectory);
        var protection = SecureReceiverProtection.Create(store, registry, keys.Paths.ActuatorPrivateKey, _state, TimeSpan.FromSeconds(30));
        return (new ReadingProcessor(protection, _home, new DeviceAuthorization(registry, TimeProvider.System), _log, TimeProvider.System,
            "secure", NullLogger<ReadingProcessor>.Instance), protection);
    }

    /// <summary>Seals one reading as <paramref name="device"/> with its real key; returns the announcement and the data message.</summary>
    private IReadOnlyList<OutboundMessage> Seal(string device, DeviceKind kind, double value)
    {
        using var sender = SecureSenderProtection.Create(keys.Paths.ActuatorPublicKey,
            new Dictionary<string, string> { [device] = keys.Paths.DevicePrivateKey(device) }, Path.Combine(_state, "sender"), RotationPolicy.Default);
        return sender.Protect(device, new DeviceReading(Guid.NewGuid().ToString("N"), device, kind, value, 1,
            DeviceReading.NowMicros(TimeProvider.System)).ToUtf8Json());
    }

    /// <summary>Processes every message in order (announcement first); returns the last decision.</summary>
    private static Decision Deliver(ReadingProcessor processor, IReadOnlyList<OutboundMessage> messages)
    {
        Decision? last = null;
        foreach (var m in messages)
        {
            last = processor.Process(m.Topic, new ReadOnlySequence<byte>(m.Payload), null);
        }

        return last!;
    }

    [Fact]
    public void A_sealed_and_signed_reading_of_another_device_s_kind_is_not_permitted()
    {
        var (processor, protection) = Actuator(DeviceRegistry.Load(keys.Paths.DeviceRegistry));
        using (protection)
        {
            var before = _home.Snapshot();

            var decision = Deliver(processor, Seal("plug-garage", DeviceKind.Door, 1));

            Assert.True(decision.Reason == RejectReasons.NotPermitted, string.Join("; ", _log.Query(0, 10, null, null, null).Select(d => $"{d.Topic} {d.Verdict} {d.Reason} {d.Effect}")));
            Assert.Equal(before, _home.Snapshot());
            Assert.Equal(DecisionLog.Applied, _log.Query(0, 10, null, null, null)[0].Verdict); // the announcement itself was fine

            var own = Deliver(processor, Seal("door-front", DeviceKind.Door, 1));
            Assert.Equal(DecisionLog.Applied, own.Verdict);
            Assert.False(_home.DoorLocked);
        }
    }

    [Fact]
    public void A_device_key_dropped_into_keys_devices_without_a_registry_entry_is_not_a_trusted_sender()
    {
        var registry = DeviceRegistry.Load(keys.Paths.DeviceRegistry);
        var withoutDoor = new DeviceRegistry(registry.Devices.Where(d => d.Key != "door-front"));
        Assert.True(File.Exists(keys.Paths.DevicePublicKey("door-front")));
        var (processor, protection) = Actuator(withoutDoor);
        using (protection)
        {
            var decision = Deliver(processor, Seal("door-front", DeviceKind.Door, 1));

            Assert.Equal(RejectReasons.UnknownSender, decision.Reason);
            Assert.True(_home.DoorLocked);
            Assert.DoesNotContain(protection.SnapshotReplayState(), s => s.SenderId == "door-front");
        }
    }
}
