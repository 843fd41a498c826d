using System.Security.Cryptography;
using SmartHome.Contracts;
using SmartHome.Messaging;
using SmartHome.Security;
using RejectReasons = SmartHome.Security.RejectReasons;

namespace SmartHome.Attacker.Tests;

/// <summary>
/// The suite-downgrade payloads judged by the actuator's real receiver (<see cref="SuiteGate"/>) in every deployment suite,
/// with each level's keys: none may yield a reading. The same gate accepts the victim's own messages (so a rejection is the
/// gate's doing, not a broken rig), and each payload is checked to be what it claims (suite byte, shape).
/// </summary>
public sealed class SuiteDowngradeTests : IClassFixture<SuiteDowngradeTests.Keys>
{
    private const string Victim = "temp-living";
    private const string Insider = "plug-garage";
    private readonly Keys _keys;

    public SuiteDowngradeTests(Keys keys) => _keys = keys;

    /// <summary>Actuator RSA + X25519, victim and insider DSA + Ed25519, and the outsider's own keys (generated once per class).</summary>
    public sealed class Keys : IDisposable
    {
        public RSA ActuatorRsa { get; } = RSA.Create(2048);
        public NSec.Cryptography.Key ActuatorX25519 { get; } = NSec.Cryptography.Key.Create(SuiteFormat.Agreement);
        public DSA VictimDsa { get; } = DSA.Create(2048);
        public DSA InsiderDsa { get; } = DSA.Create(2048);
        public DSA OwnDsa { get; } = DSA.Create(2048);
        public NSec.Cryptography.Key VictimEd { get; } = NSec.Cryptography.Key.Create(SuiteFormat.Signature);
        public NSec.Cryptography.Key InsiderEd { get; } = NSec.Cryptography.Key.Create(SuiteFormat.Signature);
        public NSec.Cryptography.Key OwnEd { get; } = NSec.Cryptography.Key.Create(SuiteFormat.Signature);

        public DSA Dsa(AttackLevel level) => level == AttackLevel.Insider ? InsiderDsa : OwnDsa;

        public NSec.Cryptography.Key Ed(AttackLevel level) => level == AttackLevel.Insider ? InsiderEd : OwnEd;

        public void Dispose()
        {
            ActuatorRsa.Dispose();
            ActuatorX25519.Dispose();
            VictimDsa.Dispose();
            InsiderDsa.Dispose();
            OwnDsa.Dispose();
            VictimEd.Dispose();
            InsiderEd.Dispose();
            OwnEd.Dispose();
        }
    }

    /// <summary>The actuator of a <paramref name="deployment"/> home: the victim and insider are unpinned (deployment suite only).</summary>
    private SuiteGate Actuator(CryptoSuite deployment)
    {
        var registry = new DeviceRegistry([new(Victim, DeviceRegistry.DefaultProfileFor(Victim)), new(Insider, DeviceRegistry.DefaultProfileFor(Insider))]);
        var options = new EnvelopeReceiverOptions { TopicRule = TopicRules.Strict() };
        var seed = new EnvelopeReceiver(_keys.ActuatorRsa, [new(Victim, _keys.VictimDsa), new(Insider, _keys.InsiderDsa)], ReplayStore.InMemory(), options);
        var v2 = new SuiteEnvelopeReceiver(_keys.ActuatorX25519, [new(Victim, _keys.VictimEd.PublicKey), new(Insider, _keys.InsiderEd.PublicKey)],
            ReplayStore.InMemory(), options);
        return new SuiteGate(new SuitePolicy(deployment, registry), seed, v2);
    }

    /// <summary>The victim's own sender in <paramref name="suite"/>: its announcement and one reading (legit traffic, and the captures).</summary>
    private (KeyAnnouncement Announcement, byte[] Data) Legit(CryptoSuite suite)
    {
        IEnvelopeSender sender = suite == CryptoSuite.Seed
            ? new EnvelopeSender(Victim, _keys.VictimDsa, _keys.ActuatorRsa)
            : new SuiteEnvelopeSender(Victim, suite, _keys.VictimEd, _keys.ActuatorX25519.PublicKey);
        using (sender)
        {
            var r = sender.Seal(Topics.Readings(Victim), Payloads.ForgedReading(Victim, 21.0, 1).ToUtf8Json());
            return (r.Announcement!, r.Message);
        }
    }

    private static byte[] Reading() => Payloads.ForgedReading(Victim, 15.0, 2).ToUtf8Json();

    private static ulong Fresh(int i) => ForgeryValues.FreshCounter(i);

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public static TheoryData<CryptoSuite, AttackLevel> SuitesAndLevels()
    {
        var data = new TheoryData<CryptoSuite, AttackLevel>();
        foreach (var suite in CryptoSuites.All)
        {
            foreach (var level in Enum.GetValues<AttackLevel>())
            {
                data.Add(suite, level);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SuitesAndLevels))]
    public void Every_payload_is_refused_in_every_suite_at_every_level(CryptoSuite deployment, AttackLevel level)
    {
        using var gate = Actuator(deployment);
        var (announcement, legitData) = Legit(deployment);
        Assert.Equal(ReceiveOutcome.KeyAccepted, gate.Receive(announcement.Topic, announcement.Message).Outcome);
        var outcomes = new List<ReceiveResult>();

        outcomes.Add(gate.Receive(Topics.Readings(Victim), SuiteDowngradePayloads.SeedForgery(Victim, Fresh(0), Now, Reading(), _keys.Dsa(level))));
        var (forgedAnnouncement, forgedData) = SuiteDowngradePayloads.SessionSignedForgery(Victim, Fresh(1), Now, Reading(), _keys.Ed(level),
            _keys.ActuatorX25519.PublicKey);
        outcomes.Add(gate.Receive(Topics.Keys(Victim), forgedAnnouncement));
        outcomes.Add(gate.Receive(Topics.Readings(Victim), forgedData));
        // Captures of the victim's traffic in every suite (a compromised broker sees them all; a home may have run any).
        var i = 10;
        foreach (var suite in CryptoSuites.All)
        {
            var (a, d) = suite == deployment ? (announcement, legitData) : Legit(suite);
            foreach (var captured in new[] { a.Message, d })
            {
                if (SuiteDowngradePayloads.Relabel(captured, Fresh(i++), Now) is { } relabelled)
                {
                    outcomes.Add(gate.Receive(captured == a.Message ? a.Topic : Topics.Readings(Victim), relabelled));
                }
            }
        }

        Assert.True(outcomes.Count >= 7);
        Assert.All(outcomes, r => Assert.Equal(ReceiveOutcome.Rejected, r.Outcome));
        // The refusals come from the suite rule or the signature, never from a crash path.
        Assert.All(outcomes, r => Assert.Contains(r.Reason, RejectReasons.All));
        Assert.Contains(outcomes, r => r.Reason == RejectReasons.SuiteNotAllowed);
        // The victim's own reading still gets through after the attack: nothing was disturbed.
        Assert.Equal(ReceiveOutcome.Data, gate.Receive(Topics.Readings(Victim), legitData).Outcome);
    }

    [Fact]
    public void A_forgery_in_an_allowed_suite_is_still_refused_by_its_signature()
    {
        // session-signed deployment: the suite rule lets the forged announcement through, the Ed25519 check must not.
        using var gate = Actuator(CryptoSuite.SessionSigned);
        var (announcement, data) = SuiteDowngradePayloads.SessionSignedForgery(Victim, Fresh(0), Now, Reading(), _keys.OwnEd, _keys.ActuatorX25519.PublicKey);
        Assert.Equal(RejectReasons.BadSignature, gate.Receive(Topics.Keys(Victim), announcement).Reason);
        Assert.Equal(RejectReasons.UnknownKey, gate.Receive(Topics.Readings(Victim), data).Reason);
    }

    [Fact]
    public void The_session_signed_forgery_would_pass_with_the_victims_key()
    {
        // The payload is a real protocol message: signed with the victim's own key it is applied. So only the key stops it.
        using var gate = Actuator(CryptoSuite.SessionSigned);
        var (announcement, data) = SuiteDowngradePayloads.SessionSignedForgery(Victim, Fresh(0), Now, Reading(), _keys.VictimEd, _keys.ActuatorX25519.PublicKey);
        Assert.Equal(ReceiveOutcome.KeyAccepted, gate.Receive(Topics.Keys(Victim), announcement).Outcome);
        Assert.Equal(ReceiveOutcome.Data, gate.Receive(Topics.Readings(Victim), data).Outcome);
    }

    [Fact]
    public void The_seed_forgery_is_a_v1_message_and_the_relabels_claim_another_suite()
    {
        byte[] seed = SuiteDowngradePayloads.SeedForgery(Victim, Fresh(0), Now, Reading(), _keys.OwnDsa);
        Assert.Equal([EnvelopeFormat.Version, (byte)EnvelopeType.Data], seed[..2]);

        var (_, modernData) = Legit(CryptoSuite.Modern);
        byte[] relabelled = SuiteDowngradePayloads.Relabel(modernData, Fresh(1), Now)!;
        Assert.Equal((byte)CryptoSuite.SessionSigned, relabelled[2]);
        Assert.Equal(modernData.Length - SuiteFormat.SignatureSize, relabelled.Length);

        var (seedAnnouncement, seedData) = Legit(CryptoSuite.Seed);
        byte[] fromSeed = SuiteDowngradePayloads.Relabel(seedData, Fresh(2), Now)!;
        Assert.Equal([SuiteFormat.Version, (byte)EnvelopeType.Data, (byte)CryptoSuite.SessionSigned], fromSeed[..3]);
        Assert.Equal(seedData.Length + 1 - EnvelopeFormat.SignatureSize, fromSeed.Length);
        Assert.Null(SuiteDowngradePayloads.Relabel(seedAnnouncement.Message, Fresh(3), Now));
        Assert.Null(SuiteDowngradePayloads.Relabel([1, 2], Fresh(4), Now));
    }

    [Fact]
    public void A_device_pinned_to_a_weaker_suite_too_is_not_refused_by_the_suite_rule()
    {
        // Control for the suite rule: pin the victim to seed and modern, and a seed message reaches its signature check.
        var registry = new DeviceRegistry([new(Victim, DeviceRegistry.DefaultProfileFor(Victim) with { Suites = ["modern", "seed"] })]);
        var seed = new EnvelopeReceiver(_keys.ActuatorRsa, [new(Victim, _keys.VictimDsa)], ReplayStore.InMemory());
        using var gate = new SuiteGate(new SuitePolicy(CryptoSuite.Modern, registry), seed, null);
        byte[] forged = SuiteDowngradePayloads.SeedForgery(Victim, Fresh(0), Now, Reading(), _keys.OwnDsa);
        Assert.Equal(RejectReasons.UnknownKey, gate.Receive(Topics.Readings(Victim), forged).Reason);
    }
}
