namespace SmartHome.Security.Fuzz;

/// <summary>
/// The actuator's entry point over every suite, as the app builds it: a <see cref="SuiteGate"/> whose policy allows
/// temp-living seed and modern and plug-garage session-signed, over a seed and a v2 receiver with fixed test keys, the
/// strict topic rule, in-memory replay state and a clock the caller steps. Genuine senders (the key holders) and forgers
/// (the attacker's keys claiming the same ids) seal on the same clock.
/// </summary>
internal sealed class SuiteGateRig : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public SuiteGateRig(string keyDirectory, DateTimeOffset start, int rotateAfterMessages)
    {
        Clock = new SteppedTime(start);
        string Key(string name) => Path.Combine(keyDirectory, name);
        var rsa = Own(KeyFiles.LoadRsa(Key("actuator.rsa.key.pem"), requirePrivate: true));
        var rsaPublic = Own(KeyFiles.LoadRsa(Key("actuator.rsa.pub.pem"), requirePrivate: false));
        var agreementPublic = KeyFiles.LoadX25519Public(Key("actuator.x25519.pub.pem"));
        var registry = new DeviceRegistry([
            new("temp-living", DeviceRegistry.DefaultProfileFor("temp-living") with { Suites = [CryptoSuites.SeedName, CryptoSuites.ModernName] }),
            new("plug-garage", DeviceRegistry.DefaultProfileFor("plug-garage") with { Suites = [CryptoSuites.SessionSignedName] }),
        ]);
        var options = new EnvelopeReceiverOptions { Time = Clock, TopicRule = TopicRules.Strict() };
        var seed = new EnvelopeReceiver(rsa, [new("temp-living", Own(KeyFiles.LoadDsa(Key("temp-living.dsa.pub.pem"), requirePrivate: false)))],
            ReplayStore.InMemory(), options);
        var v2 = new SuiteEnvelopeReceiver(Own(KeyFiles.LoadX25519Private(Key("actuator.x25519.key.pem"))),
            [new("temp-living", KeyFiles.LoadEd25519Public(Key("temp-living.ed25519.pub.pem"))),
             new("plug-garage", KeyFiles.LoadEd25519Public(Key("plug-garage.ed25519.pub.pem")))],
            ReplayStore.InMemory(), options);
        Gate = Own(new SuiteGate(new SuitePolicy(CryptoSuite.Seed, registry), seed, v2));

        var rotation = new RotationPolicy { MaxMessages = rotateAfterMessages };
        IEnvelopeSender V2Sender(string id, CryptoSuite suite, string signingKey) => Own(new SuiteEnvelopeSender(id, suite,
            Own(KeyFiles.LoadEd25519Private(Key(signingKey))), agreementPublic, rotation, CounterStore.InMemory(), Clock));
        Genuine =
        [
            Own(new EnvelopeSender("temp-living", Own(KeyFiles.LoadDsa(Key("temp-living.dsa.key.pem"), requirePrivate: true)), rsaPublic, rotation,
                CounterStore.InMemory(), Clock)),
            V2Sender("temp-living", CryptoSuite.Modern, "temp-living.ed25519.key.pem"),
            V2Sender("plug-garage", CryptoSuite.SessionSigned, "plug-garage.ed25519.key.pem"),
        ];
        Forgers =
        [
            V2Sender("temp-living", CryptoSuite.Modern, "attacker.ed25519.key.pem"),
            V2Sender("plug-garage", CryptoSuite.SessionSigned, "attacker.ed25519.key.pem"),
            // Allowed key, suite the policy does not allow for the device.
            V2Sender("temp-living", CryptoSuite.SessionSigned, "temp-living.ed25519.key.pem"),
        ];
    }

    public SteppedTime Clock { get; }

    public SuiteGate Gate { get; }

    /// <summary>The key holders, one per (device, suite) the policy allows.</summary>
    public IReadOnlyList<IEnvelopeSender> Genuine { get; }

    /// <summary>Senders whose messages must never be accepted.</summary>
    public IReadOnlyList<IEnvelopeSender> Forgers { get; }

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            _owned[i].Dispose();
        }
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }
}

/// <summary>A clock that moves only when told: the receiver's per-second budgets and freshness follow the fuzz loop.</summary>
internal sealed class SteppedTime(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}
