using System.Security.Cryptography;

namespace SmartHome.Security.Tests;

/// <summary>Fixed test keys committed under vectors/keys (never used outside tests). Loaded once per test run.</summary>
public sealed class TestKeys : IDisposable
{
    public const string Device = "temp-living";
    public const string Insider = "plug-garage";

    public static string VectorsDir => Path.Combine(AppContext.BaseDirectory, "vectors");
    public static string KeyFile(string name) => Path.Combine(VectorsDir, "keys", name);

    private static readonly Lazy<TestKeys> LazyShared = new(() => new TestKeys());

    public static TestKeys Shared => LazyShared.Value;

    public RSA ActuatorPrivate { get; } = KeyFiles.LoadRsa(KeyFile("actuator.rsa.key.pem"), true);
    public RSA ActuatorPublic { get; } = KeyFiles.LoadRsa(KeyFile("actuator.rsa.pub.pem"), false);
    public RSA AttackerRsaPrivate { get; } = KeyFiles.LoadRsa(KeyFile("attacker.rsa.key.pem"), true);
    public RSA AttackerRsaPublic { get; } = KeyFiles.LoadRsa(KeyFile("attacker.rsa.pub.pem"), false);
    public DSA DevicePrivate { get; } = KeyFiles.LoadDsa(KeyFile("temp-living.dsa.key.pem"), true);
    public DSA DevicePublic { get; } = KeyFiles.LoadDsa(KeyFile("temp-living.dsa.pub.pem"), false);
    public DSA InsiderPrivate { get; } = KeyFiles.LoadDsa(KeyFile("plug-garage.dsa.key.pem"), true);
    public DSA InsiderPublic { get; } = KeyFiles.LoadDsa(KeyFile("plug-garage.dsa.pub.pem"), false);
    public DSA AttackerDsaPrivate { get; } = KeyFiles.LoadDsa(KeyFile("attacker.dsa.key.pem"), true);

    public Dictionary<string, DSA> Directory => new(StringComparer.Ordinal) { [Device] = DevicePublic, [Insider] = InsiderPublic };

    public void Dispose()
    {
    }
}

/// <summary>A settable clock.</summary>
public sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public ManualTime()
        : this(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero))
    {
    }

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>A sender/receiver pair on shared test keys.</summary>
public sealed class Rig : IDisposable
{
    public TestKeys Keys { get; } = TestKeys.Shared;
    public ManualTime Time { get; } = new();
    public ReplayStore Store { get; }
    public EnvelopeReceiver Receiver { get; }
    public EnvelopeSender Sender { get; }
    public string DataTopic { get; } = TopicRules.Readings(TestKeys.Device);

    public Rig(ReplayStore? store = null, EnvelopeReceiverOptions? options = null, RotationPolicy? rotation = null, CounterStore? counters = null)
    {
        Store = store ?? ReplayStore.InMemory();
        Receiver = new EnvelopeReceiver(Keys.ActuatorPrivate, Keys.Directory, Store, (options ?? new EnvelopeReceiverOptions()) with { Time = Time });
        Sender = NewSender(counters: counters, rotation: rotation);
    }

    public EnvelopeSender NewSender(string id = TestKeys.Device, DSA? key = null, RSA? recipient = null, RotationPolicy? rotation = null, CounterStore? counters = null) =>
        new(id, key ?? Keys.DevicePrivate, recipient ?? Keys.ActuatorPublic, rotation, counters, Time);

    /// <summary>Seals and delivers the announcement if any; returns the data message.</summary>
    public byte[] SealDelivered(ReadOnlySpan<byte> plaintext, string? topic = null)
    {
        SealResult r = Sender.Seal(topic ?? DataTopic, plaintext);
        if (r.Announcement is { } a)
        {
            ReceiveResult ack = Receiver.Receive(a.Topic, a.Message);
            Assert.Equal(ReceiveOutcome.KeyAccepted, ack.Outcome);
        }
        return r.Message;
    }

    public void Dispose()
    {
        Sender.Dispose();
        Receiver.Dispose();
        Store.Dispose();
    }
}

/// <summary>Counter store whose first block starts at a chosen value (an attacker picks fresh counters).</summary>
public sealed class StartAtCounterStore(ulong start) : CounterStore
{
    private ulong _next = start;

    public override ulong ReserveBlock(string senderId, int blockSize)
    {
        ulong first = _next;
        _next += (ulong)blockSize;
        return first;
    }
}
