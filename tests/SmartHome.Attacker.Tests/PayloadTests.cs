using System.Security.Cryptography;
using SmartHome.Messaging;
using SmartHome.Security;

namespace SmartHome.Attacker.Tests;

public sealed class PayloadTests : IClassFixture<PayloadTests.Keys>
{
    private readonly Keys _keys;

    public PayloadTests(Keys keys) => _keys = keys;

    /// <summary>An actuator RSA key and two device DSA keys (generation takes a second, so once per class).</summary>
    public sealed class Keys : IDisposable
    {
        public RSA Actuator { get; } = RSA.Create(2048);

        public DSA TempLiving { get; } = DSA.Create(2048);

        public DSA Stranger { get; } = DSA.Create(2048);

        public void Dispose()
        {
            Actuator.Dispose();
            TempLiving.Dispose();
            Stranger.Dispose();
        }
    }

    private EnvelopeReceiver Receiver() =>
        new(_keys.Actuator, [new KeyValuePair<string, DSA>("temp-living", _keys.TempLiving)], ReplayStore.InMemory());

    [Theory]
    [InlineData("temp-living", DeviceKind.Temperature, 21.5)]
    [InlineData("temp-living", DeviceKind.Temperature, 18.0)]
    [InlineData("door-front", DeviceKind.Door, 0.0)]
    [InlineData("door-front", DeviceKind.Door, 1.0)]
    [InlineData("smoke-kitchen", DeviceKind.Smoke, 0.2)]
    [InlineData("smoke-kitchen", DeviceKind.Smoke, 30.0)]
    [InlineData("plug-garage", DeviceKind.Power, 120.0)]
    [InlineData("plug-garage", DeviceKind.Power, 2800.0)]
    public void A_tampered_value_differs_and_stays_plausible_for_the_device(string device, DeviceKind kind, double value)
    {
        var tampered = Payloads.TamperedValue(kind, value);

        Assert.NotEqual(value, tampered);
        Assert.Null(DeviceRegistry.DefaultProfileFor(device).Implausibility(tampered));
    }

    [Fact]
    public void Tamper_changes_only_the_value_of_a_plaintext_reading()
    {
        var original = new DeviceReading("m-1", "temp-living", DeviceKind.Temperature, 21.5, 7, 123);
        var tampered = Payloads.TamperPlaintext(original.ToUtf8Json());
        Assert.NotNull(tampered);
        Assert.True(DeviceReading.TryParse(tampered.Value.Payload, out var parsed, out _));
        Assert.Equal(original with { Value = tampered.Value.NewValue }, parsed);
        Assert.NotEqual(original.Value, tampered.Value.NewValue);
        Assert.Null(Payloads.TamperPlaintext([0x01, 0x02, 0x03]));
    }

    [Fact]
    public void Tamper_of_an_envelope_flips_a_ciphertext_bit_and_refreshes_counter_and_timestamp()
    {
        var sender = new EnvelopeSender("temp-living", _keys.TempLiving, _keys.Actuator);
        var sealedMessage = sender.Seal("smarthome/readings/temp-living", "{\"v\":1}"u8).Message;
        var tampered = Payloads.TamperEnvelope(sealedMessage, 1UL << 41, 1_700_000_000_000);
        Assert.NotNull(tampered);
        Assert.Equal(sealedMessage.Length, tampered.Length);
        Assert.True(EnvelopeHeader.TryRead(tampered, out var header));
        Assert.Equal(1UL << 41, header.Counter);
        Assert.Equal(1_700_000_000_000, header.TimestampMs);
        Assert.Equal(1, sealedMessage.Zip(tampered).Skip(header.Length).Count(p => p.First != p.Second));
        Assert.Null(Payloads.TamperEnvelope("{\"not\":\"an envelope\"}"u8, 1, 1));
    }

    [Fact]
    public void The_forge_writes_PROTOCOL_md_exactly_so_only_the_signature_tells_a_forgery_apart()
    {
        using var receiver = Receiver();
        var forge = new EnvelopeForge(_keys.Actuator);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var salt = RandomNumberGenerator.GetBytes(4);
        var aes = RandomNumberGenerator.GetBytes(32);

        // Signed with a stranger's key: the actuator refuses it at the signature.
        var forged = forge.Announcement("temp-living", 7, 10, now, salt, aes, _keys.Stranger, "smarthome/keys/temp-living");
        Assert.Equal("bad-signature", receiver.Receive("smarthome/keys/temp-living", forged).Reason);

        // The same bytes signed with the real key are accepted: the forge's format is right.
        var genuine = forge.Announcement("temp-living", 7, 11, now, salt, aes, _keys.TempLiving, "smarthome/keys/temp-living");
        Assert.Equal(ReceiveOutcome.KeyAccepted, receiver.Receive("smarthome/keys/temp-living", genuine).Outcome);
        var data = EnvelopeForge.Data("temp-living", 7, 12, now, salt, aes, "{\"v\":2}"u8, _keys.TempLiving, "smarthome/readings/temp-living");
        var opened = receiver.Receive("smarthome/readings/temp-living", data);
        Assert.Equal(ReceiveOutcome.Data, opened.Outcome);
        Assert.Equal("{\"v\":2}"u8.ToArray(), opened.Plaintext);

        // A replay of it, and a move to another topic, are refused.
        Assert.Equal("replay", receiver.Receive("smarthome/readings/temp-living", data).Reason);
        Assert.Equal("wrong-topic", receiver.Receive("smarthome/readings/door-front", data).Reason);
        // Flood messages: right shape, random tag and signature — refused at the AES-GCM tag, before any DSA work.
        var flood = EnvelopeForge.UnsignedData("temp-living", 7, 100, now, 120);
        Assert.Equal("gcm-tag", receiver.Receive("smarthome/readings/temp-living", flood).Reason);
    }

    [Fact]
    public void No_malformed_payload_parses_as_a_reading()
    {
        for (var i = 0; i < Payloads.MalformedKinds; i++)
        {
            Assert.False(DeviceReading.TryParse(Payloads.Malformed(i), out _, out _), $"malformed payload {i} parsed");
        }
    }

    [Fact]
    public void Oversized_payloads_exceed_the_parsers_limits_but_not_the_brokers_packet_limit()
    {
        int[] sizes = [.. Enumerable.Range(0, 3).Select(i => Payloads.Oversized(i).Length)];
        Assert.Equal([DeviceReading.MaxSerializedBytes + 1, EnvelopeFormat.MaxMessageSize + 1, 60 * 1024], sizes);
        Assert.All(sizes, s => Assert.InRange(s, DeviceReading.MaxSerializedBytes + 1, 64 * 1024 - 200));
    }

    [Fact]
    public void A_forged_reading_names_the_victim_device_and_its_kind()
    {
        var reading = Payloads.ForgedReading("door-front", 1, 5);
        Assert.Equal(DeviceKind.Door, reading.Kind);
        Assert.True(DeviceReading.TryParse(reading.ToUtf8Json(), out var parsed, out _));
        Assert.Equal("door-front", parsed!.DeviceId);
        Assert.Equal(DeviceKind.Power, Payloads.KindOf("plug-garage"));
    }
}
