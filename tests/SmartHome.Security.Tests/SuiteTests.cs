using System.Text;
using NSec.Cryptography;

namespace SmartHome.Security.Tests;

/// <summary>Fixed v2 test keys (vectors/keys/*.x25519.*, *.ed25519.*), written by openssl genpkey.</summary>
public sealed class SuiteTestKeys
{
    private static readonly Lazy<SuiteTestKeys> LazyShared = new(() => new SuiteTestKeys());

    public static SuiteTestKeys Shared => LazyShared.Value;

    public Key ActuatorAgreement { get; } = KeyFiles.LoadX25519Private(TestKeys.KeyFile("actuator.x25519.key.pem"));
    public PublicKey ActuatorAgreementPublic { get; } = KeyFiles.LoadX25519Public(TestKeys.KeyFile("actuator.x25519.pub.pem"));
    public PublicKey AttackerAgreementPublic { get; } = KeyFiles.LoadX25519Public(TestKeys.KeyFile("attacker.x25519.pub.pem"));
    public Key Device { get; } = KeyFiles.LoadEd25519Private(TestKeys.KeyFile("temp-living.ed25519.key.pem"));
    public PublicKey DevicePublic { get; } = KeyFiles.LoadEd25519Public(TestKeys.KeyFile("temp-living.ed25519.pub.pem"));
    public Key Insider { get; } = KeyFiles.LoadEd25519Private(TestKeys.KeyFile("plug-garage.ed25519.key.pem"));
    public PublicKey InsiderPublic { get; } = KeyFiles.LoadEd25519Public(TestKeys.KeyFile("plug-garage.ed25519.pub.pem"));
    public Key Attacker { get; } = KeyFiles.LoadEd25519Private(TestKeys.KeyFile("attacker.ed25519.key.pem"));
}

/// <summary>
/// The actuator's gate over every suite, on the test keys: temp-living allowed the suites given (none: the deployment's), plug-garage
/// the deployment suite.
/// </summary>
public sealed class SuiteRig : IDisposable
{
    public const string Device = TestKeys.Device;
    public const string Insider = TestKeys.Insider;

    public SuiteRig(CryptoSuite deployment, params CryptoSuite[] deviceSuites)
    {
        var registry = new DeviceRegistry([
            new(Device, DeviceRegistry.DefaultProfileFor(Device) with { Suites = deviceSuites.Length == 0 ? null : [.. deviceSuites.Select(s => s.Name())] }),
            new(Insider, DeviceRegistry.DefaultProfileFor(Insider)),
        ]);
        var v1Keys = TestKeys.Shared;
        var v2Keys = SuiteTestKeys.Shared;
        var options = new EnvelopeReceiverOptions { Time = Time, TopicRule = TopicRules.Strict() };
        Policy = new SuitePolicy(deployment, registry);
        var seed = new EnvelopeReceiver(v1Keys.ActuatorPrivate, v1Keys.Directory, ReplayStore.InMemory(), options);
        var v2 = new SuiteEnvelopeReceiver(v2Keys.ActuatorAgreement,
            [new(Device, v2Keys.DevicePublic), new(Insider, v2Keys.InsiderPublic)], ReplayStore.InMemory(), options);
        Gate = new SuiteGate(Policy, seed, v2);
    }

    public ManualTime Time { get; } = new();
    public SuitePolicy Policy { get; }
    public SuiteGate Gate { get; }
    public static string DataTopic => TopicRules.Readings(Device);

    public IEnvelopeSender Sender(CryptoSuite suite, string id = Device) => suite == CryptoSuite.Seed
        ? new EnvelopeSender(id, id == Device ? TestKeys.Shared.DevicePrivate : TestKeys.Shared.InsiderPrivate, TestKeys.Shared.ActuatorPublic,
            time: Time)
        : new SuiteEnvelopeSender(id, suite, id == Device ? SuiteTestKeys.Shared.Device : SuiteTestKeys.Shared.Insider,
            SuiteTestKeys.Shared.ActuatorAgreementPublic, time: Time);

    /// <summary>Publishes the first seal's announcement to the gate (asserting it is accepted) and returns the data message.</summary>
    public byte[] Announced(IEnvelopeSender sender, string text = "{\"t\":21.5}")
    {
        var sealedResult = sender.Seal(TopicRules.Readings(sender.SenderId), Encoding.UTF8.GetBytes(text));
        var ann = sealedResult.Announcement!;
        Assert.Equal(ReceiveOutcome.KeyAccepted, Gate.Receive(ann.Topic, ann.Message).Outcome);
        return sealedResult.Message;
    }

    public void Dispose() => Gate.Dispose();
}

public sealed class SuiteTests
{
    [Theory]
    [InlineData(CryptoSuite.Seed)]
    [InlineData(CryptoSuite.Modern)]
    [InlineData(CryptoSuite.SessionSigned)]
    public void Every_suite_round_trips_through_the_gate(CryptoSuite suite)
    {
        using var rig = new SuiteRig(suite);
        using var sender = rig.Sender(suite);
        var data = rig.Announced(sender);
        var r = rig.Gate.Receive(SuiteRig.DataTopic, data);
        Assert.Equal(ReceiveOutcome.Data, r.Outcome);
        Assert.Equal("{\"t\":21.5}", Encoding.UTF8.GetString(r.Plaintext!));
        Assert.Equal(RejectReasons.Replay, rig.Gate.Receive(SuiteRig.DataTopic, data).Reason);
    }

    [Fact]
    public void Seed_bytes_are_v1_and_v2_bytes_carry_the_suite()
    {
        using var rig = new SuiteRig(CryptoSuite.Seed, CryptoSuite.Seed, CryptoSuite.Modern, CryptoSuite.SessionSigned);
        using var seed = rig.Sender(CryptoSuite.Seed);
        using var modern = rig.Sender(CryptoSuite.Modern);
        using var signedOnce = rig.Sender(CryptoSuite.SessionSigned);
        byte[] s = seed.Seal(SuiteRig.DataTopic, "x"u8).Message;
        byte[] m = modern.Seal(SuiteRig.DataTopic, "x"u8).Message;
        byte[] ss = signedOnce.Seal(SuiteRig.DataTopic, "x"u8).Message;
        Assert.Equal([0x01, 0x02], s[..2]);
        Assert.Equal([0x02, 0x02, 0x02], m[..3]);
        Assert.Equal([0x02, 0x02, 0x03], ss[..3]);
        // Session-signed data carries no signature: 64 bytes shorter than modern.
        Assert.Equal(m.Length - SuiteFormat.SignatureSize, ss.Length);
    }

    [Theory]
    [InlineData(CryptoSuite.Modern, CryptoSuite.Seed)]
    [InlineData(CryptoSuite.Modern, CryptoSuite.SessionSigned)]
    [InlineData(CryptoSuite.Seed, CryptoSuite.Modern)]
    [InlineData(CryptoSuite.SessionSigned, CryptoSuite.Seed)]
    public void A_suite_the_device_is_not_allowed_is_refused_before_any_crypto(CryptoSuite allowed, CryptoSuite sent)
    {
        using var rig = new SuiteRig(CryptoSuite.Seed, allowed);
        using var sender = rig.Sender(sent);
        var sealedResult = sender.Seal(SuiteRig.DataTopic, "{\"t\":21.5}"u8);
        var ann = rig.Gate.Receive(sealedResult.Announcement!.Topic, sealedResult.Announcement.Message);
        Assert.Equal(RejectReasons.SuiteNotAllowed, ann.Reason);
        Assert.Equal(SuiteRig.Device, ann.SenderId);
        Assert.Equal(RejectReasons.SuiteNotAllowed, rig.Gate.Receive(SuiteRig.DataTopic, sealedResult.Message).Reason);
    }

    [Fact]
    public void Without_a_pin_the_deployment_suite_is_the_only_one()
    {
        using var rig = new SuiteRig(CryptoSuite.Modern);
        Assert.True(rig.Policy.IsAllowed(SuiteRig.Device, CryptoSuite.Modern));
        Assert.False(rig.Policy.IsAllowed(SuiteRig.Device, CryptoSuite.Seed));
        Assert.False(rig.Policy.IsAllowed(SuiteRig.Device, CryptoSuite.SessionSigned));
        Assert.False(rig.Policy.IsAllowed("smoke-kitchen", CryptoSuite.Modern));
        Assert.Equal([CryptoSuite.Modern], rig.Policy.InUse);
    }

    [Fact]
    public void Modern_data_stripped_of_its_signature_and_relabelled_session_signed_is_refused()
    {
        // The device may use both v2 suites, so only the key's own suite can tell the downgrade.
        using var rig = new SuiteRig(CryptoSuite.Modern, CryptoSuite.Modern, CryptoSuite.SessionSigned);
        using var sender = rig.Sender(CryptoSuite.Modern);
        byte[] data = rig.Announced(sender);
        byte[] downgraded = data[..^SuiteFormat.SignatureSize];
        downgraded[2] = (byte)CryptoSuite.SessionSigned;
        Assert.Equal(RejectReasons.SuiteNotAllowed, rig.Gate.Receive(SuiteRig.DataTopic, downgraded).Reason);
        // The original is untouched by the attempt.
        Assert.Equal(ReceiveOutcome.Data, rig.Gate.Receive(SuiteRig.DataTopic, data).Outcome);
    }

    [Fact]
    public void An_announcement_relabelled_to_another_suite_fails_its_signature()
    {
        using var rig = new SuiteRig(CryptoSuite.Modern, CryptoSuite.Modern, CryptoSuite.SessionSigned);
        using var sender = rig.Sender(CryptoSuite.Modern);
        var ann = sender.Seal(SuiteRig.DataTopic, "x"u8).Announcement!;
        byte[] relabelled = (byte[])ann.Message.Clone();
        relabelled[2] = (byte)CryptoSuite.SessionSigned;
        Assert.Equal(RejectReasons.BadSignature, rig.Gate.Receive(ann.Topic, relabelled).Reason);
    }

    [Fact]
    public void Session_signed_data_relabelled_modern_is_refused()
    {
        // Session-signed data relabelled modern with a signature appended: the key's suite refuses it before GCM (whose AAD
        // holds the suite byte too).
        using var rig = new SuiteRig(CryptoSuite.SessionSigned, CryptoSuite.Modern, CryptoSuite.SessionSigned);
        using var sender = rig.Sender(CryptoSuite.SessionSigned);
        byte[] data = rig.Announced(sender);
        byte[] relabelled = [.. data, .. new byte[SuiteFormat.SignatureSize]];
        relabelled[2] = (byte)CryptoSuite.Modern;
        Assert.Equal(RejectReasons.SuiteNotAllowed, rig.Gate.Receive(SuiteRig.DataTopic, relabelled).Reason);
        Assert.Equal(ReceiveOutcome.Data, rig.Gate.Receive(SuiteRig.DataTopic, data).Outcome);
    }

    [Theory]
    [InlineData(CryptoSuite.Modern)]
    [InlineData(CryptoSuite.SessionSigned)]
    public void Tampering_fails_gcm_and_a_modern_signature_is_checked(CryptoSuite suite)
    {
        using var rig = new SuiteRig(suite);
        using var sender = rig.Sender(suite);
        byte[] data = rig.Announced(sender);
        int ct = SuiteFormat.FixedHeaderSize + SuiteRig.Device.Length + 2;
        byte[] flipped = (byte[])data.Clone();
        flipped[ct] ^= 1;
        Assert.Equal(RejectReasons.GcmTag, rig.Gate.Receive(SuiteRig.DataTopic, flipped).Reason);
        if (suite == CryptoSuite.Modern)
        {
            byte[] badSig = (byte[])data.Clone();
            badSig[^1] ^= 1;
            Assert.Equal(RejectReasons.BadSignature, rig.Gate.Receive(SuiteRig.DataTopic, badSig).Reason);
        }
        Assert.Equal(ReceiveOutcome.Data, rig.Gate.Receive(SuiteRig.DataTopic, data).Outcome);
    }

    [Theory]
    [InlineData(CryptoSuite.Modern)]
    [InlineData(CryptoSuite.SessionSigned)]
    public void An_announcement_signed_by_another_key_or_for_another_recipient_is_refused(CryptoSuite suite)
    {
        using var rig = new SuiteRig(suite);
        var keys = SuiteTestKeys.Shared;
        using var byAttacker = new SuiteEnvelopeSender(SuiteRig.Device, suite, keys.Attacker, keys.ActuatorAgreementPublic, time: rig.Time);
        var forged = byAttacker.Seal(SuiteRig.DataTopic, "x"u8);
        Assert.Equal(RejectReasons.BadSignature, rig.Gate.Receive(forged.Announcement!.Topic, forged.Announcement.Message).Reason);
        Assert.Equal(RejectReasons.UnknownKey, rig.Gate.Receive(SuiteRig.DataTopic, forged.Message).Reason);
        using var elsewhere = new SuiteEnvelopeSender(SuiteRig.Device, suite, keys.Device, keys.AttackerAgreementPublic, time: rig.Time);
        var wrongRecipient = elsewhere.Seal(SuiteRig.DataTopic, "x"u8).Announcement!;
        Assert.Equal(RejectReasons.UnknownKey, rig.Gate.Receive(wrongRecipient.Topic, wrongRecipient.Message).Reason);
    }

    [Fact]
    public void The_insider_key_cannot_speak_for_the_victim_in_any_v2_suite()
    {
        using var rig = new SuiteRig(CryptoSuite.SessionSigned);
        var keys = SuiteTestKeys.Shared;
        using var insider = new SuiteEnvelopeSender(SuiteRig.Device, CryptoSuite.SessionSigned, keys.Insider, keys.ActuatorAgreementPublic, time: rig.Time);
        var forged = insider.Seal(SuiteRig.DataTopic, "x"u8);
        Assert.Equal(RejectReasons.BadSignature, rig.Gate.Receive(forged.Announcement!.Topic, forged.Announcement.Message).Reason);
    }

    [Theory]
    [InlineData("seed", CryptoSuite.Seed)]
    [InlineData("modern", CryptoSuite.Modern)]
    [InlineData("session-signed", CryptoSuite.SessionSigned)]
    public void Suite_names_parse(string name, CryptoSuite suite)
    {
        Assert.Equal(suite, CryptoSuites.Parse(name));
        Assert.Equal(name, suite.Name());
    }

    [Theory]
    [InlineData("Modern")]
    [InlineData("rsa")]
    [InlineData("")]
    public void Other_suite_names_are_refused(string name) =>
        Assert.Contains("seed, modern, session-signed", Assert.Throws<ArgumentException>(() => CryptoSuites.Parse(name)).Message, StringComparison.Ordinal);

    [Fact]
    public void A_registry_pin_must_name_suites()
    {
        var profile = DeviceRegistry.DefaultProfileFor("temp-living");
        Assert.Throws<ArgumentException>(() => new DeviceRegistry([new("temp-living", profile with { Suites = ["aes"] })]));
        Assert.Throws<ArgumentException>(() => new DeviceRegistry([new("temp-living", profile with { Suites = [] })]));
        Assert.Throws<ArgumentException>(() => new DeviceRegistry([new("temp-living", profile with { Suites = ["modern", "modern"] })]));
        var ok = new DeviceRegistry([new("temp-living", profile with { Suites = ["modern", "session-signed"] })]);
        string path = Path.Combine(Path.GetTempPath(), $"suite-registry-{Guid.NewGuid():N}.json");
        try
        {
            ok.Write(path);
            Assert.Contains("\"suites\"", File.ReadAllText(path), StringComparison.Ordinal);
            Assert.Equal(["modern", "session-signed"], DeviceRegistry.Load(path).Devices["temp-living"].Suites);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
