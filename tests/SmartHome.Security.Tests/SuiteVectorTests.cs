using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using NSec.Cryptography;

namespace SmartHome.Security.Tests;

/// <summary>
/// The committed v2 vectors (vectors/vector-v2-modern.json, vector-v2-session-signed.json; docs/PROTOCOL.md "Crypto suites").
/// X25519 with a fixed ephemeral key and Ed25519 are deterministic, so every byte is rebuilt from the vector's inputs and the
/// test keys, and the receiver opens it; the HKDF step is redone with .NET's own HKDF as an independent check.
/// </summary>
public sealed class SuiteVectorTests
{
    private static readonly DateTimeOffset VectorTime = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private const string Plaintext = "{\"sensor\":\"temp-living\",\"t\":21.5,\"unit\":\"C\"}";

    public static string VectorPath(CryptoSuite suite) => Path.Combine(TestKeys.VectorsDir, $"vector-v2-{suite.Name()}.json");

    /// <summary>The vector's inputs: fixed, documented, nothing random.</summary>
    private static (byte[] Ephemeral, uint KeyId) Inputs(CryptoSuite suite) =>
        (SHA256.HashData(Encoding.ASCII.GetBytes("smarthome v2 test vector ephemeral key " + suite.Name())), 0x5eed0000u + (uint)suite);

    /// <summary>Builds the vector from its inputs. With SMARTHOME_WRITE_VECTORS=1 it also rewrites the committed file (and the copy under the source tree).</summary>
    private static JsonObject Build(CryptoSuite suite)
    {
        var keys = SuiteTestKeys.Shared;
        var (ephemeralRaw, keyId) = Inputs(suite);
        byte[] id = Encoding.ASCII.GetBytes(TestKeys.Device);
        string keyTopic = TopicRules.Keys(TestKeys.Device);
        string dataTopic = TopicRules.Readings(TestKeys.Device);
        long ts = VectorTime.ToUnixTimeMilliseconds();
        byte[] derived = new byte[SuiteFormat.DerivedSize];
        using var ephemeral = Key.Import(SuiteFormat.Agreement, ephemeralRaw, KeyBlobFormat.RawPrivateKey);
        byte[] fingerprint = SuiteFormat.Fingerprint(keys.ActuatorAgreementPublic);
        byte[] ann = SuiteMessages.Announcement(suite, id, keyId, 1, ts, fingerprint, ephemeral, keys.ActuatorAgreementPublic, keys.Device, keyTopic, derived);
        byte[] binding = Binding(dataTopic);
        using var aes = new AesGcm(derived[..32], EnvelopeFormat.TagSize);
        byte[] data = SuiteMessages.Data(suite, id, keyId, 2, ts, aes, derived[32..], Encoding.UTF8.GetBytes(Plaintext), binding,
            suite == CryptoSuite.Modern ? keys.Device : null);

        using var secret = SuiteFormat.Agreement.Agree(ephemeral, keys.ActuatorAgreementPublic,
            new SharedSecretCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport })!;
        int h = SuiteFormat.FixedHeaderSize + id.Length;
        byte[] info = [.. SuiteFormat.KdfLabel, .. ann.AsSpan(0, h + SuiteFormat.AnnouncementBodySize)];
        var json = new JsonObject
        {
            ["description"] = $"SmartHome envelope v2, suite {suite.Name()}, test vector (test keys only). Receiver clock = receiverTimeUnixMs.",
            ["suite"] = suite.Name(),
            ["keys"] = new JsonObject
            {
                ["recipientPrivateKey"] = "keys/actuator.x25519.key.pem",
                ["recipientPublicKey"] = "keys/actuator.x25519.pub.pem",
                ["senderPublicKey"] = "keys/temp-living.ed25519.pub.pem",
                ["senderPrivateKey"] = "keys/temp-living.ed25519.key.pem",
            },
            ["senderId"] = TestKeys.Device,
            ["receiverTimeUnixMs"] = ts,
            ["inputs"] = new JsonObject
            {
                ["ephemeralPrivateKey"] = Convert.ToHexStringLower(ephemeralRaw),
                ["keyId"] = keyId,
                ["announcementCounter"] = 1,
                ["dataCounter"] = 2,
                ["timestampUnixMs"] = ts,
            },
            ["announcement"] = new JsonObject { ["topic"] = keyTopic, ["hex"] = Convert.ToHexStringLower(ann) },
            ["data"] = new JsonObject { ["topic"] = dataTopic, ["hex"] = Convert.ToHexStringLower(data), ["plaintext"] = Plaintext },
            ["derived"] = new JsonObject
            {
                ["recipientFingerprint"] = Convert.ToHexStringLower(fingerprint),
                ["sharedSecret"] = Convert.ToHexStringLower(secret.Export(SharedSecretBlobFormat.RawSharedSecret)),
                ["hkdfInfo"] = Convert.ToHexStringLower(info),
                ["sessionKey"] = Convert.ToHexStringLower(derived[..32]),
                ["salt"] = Convert.ToHexStringLower(derived[32..]),
                ["nonce"] = Convert.ToHexStringLower([.. derived[32..], 0, 0, 0, 0, 0, 0, 0, 2]),
                ["aad"] = Convert.ToHexStringLower([.. data.AsSpan(0, h + 2), .. binding]),
            },
        };
        return json;
    }

    private static byte[] Binding(string topic)
    {
        byte[] t = Encoding.UTF8.GetBytes(topic);
        return [(byte)(t.Length >> 8), (byte)t.Length, .. t];
    }

    public static JsonObject Committed(CryptoSuite suite) => JsonNode.Parse(File.ReadAllText(VectorPath(suite)))!.AsObject();

    [Theory]
    [InlineData(CryptoSuite.Modern)]
    [InlineData(CryptoSuite.SessionSigned)]
    public void Committed_vector_is_rebuilt_byte_for_byte_from_its_inputs(CryptoSuite suite)
    {
        var built = Build(suite);
        if (Environment.GetEnvironmentVariable("SMARTHOME_WRITE_VECTORS") == "1")
        {
            string text = built.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n";
            File.WriteAllText(VectorPath(suite), text);
            string source = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "vectors", Path.GetFileName(VectorPath(suite))));
            File.WriteAllText(source, text);
        }
        var committed = Committed(suite);
        Assert.Equal(committed["announcement"]!["hex"]!.GetValue<string>(), built["announcement"]!["hex"]!.GetValue<string>());
        Assert.Equal(committed["data"]!["hex"]!.GetValue<string>(), built["data"]!["hex"]!.GetValue<string>());
        Assert.Equal(committed["derived"]!.ToJsonString(), built["derived"]!.ToJsonString());
    }

    [Theory]
    [InlineData(CryptoSuite.Modern)]
    [InlineData(CryptoSuite.SessionSigned)]
    public void Committed_vector_is_opened_by_the_receiver_and_its_hkdf_agrees_with_dotnet(CryptoSuite suite)
    {
        var v = Committed(suite);
        var keys = SuiteTestKeys.Shared;
        var time = new ManualTime(DateTimeOffset.FromUnixTimeMilliseconds(v["receiverTimeUnixMs"]!.GetValue<long>()));
        using var receiver = new SuiteEnvelopeReceiver(keys.ActuatorAgreement, [new(TestKeys.Device, keys.DevicePublic)], ReplayStore.InMemory(),
            new EnvelopeReceiverOptions { Time = time, TopicRule = TopicRules.Strict() });
        var ann = receiver.Receive(v["announcement"]!["topic"]!.GetValue<string>(), Convert.FromHexString(v["announcement"]!["hex"]!.GetValue<string>()));
        Assert.Equal(ReceiveOutcome.KeyAccepted, ann.Outcome);
        var data = receiver.Receive(v["data"]!["topic"]!.GetValue<string>(), Convert.FromHexString(v["data"]!["hex"]!.GetValue<string>()));
        Assert.Equal(ReceiveOutcome.Data, data.Outcome);
        Assert.Equal(v["data"]!["plaintext"]!.GetValue<string>(), Encoding.UTF8.GetString(data.Plaintext!));
        Assert.Equal((byte)suite, Convert.FromHexString(v["data"]!["hex"]!.GetValue<string>())[2]);

        var d = v["derived"]!;
        byte[] okm = HKDF.DeriveKey(HashAlgorithmName.SHA256, Convert.FromHexString(d["sharedSecret"]!.GetValue<string>()), SuiteFormat.DerivedSize,
            salt: [], info: Convert.FromHexString(d["hkdfInfo"]!.GetValue<string>()));
        Assert.Equal(d["sessionKey"]!.GetValue<string>(), Convert.ToHexStringLower(okm[..32]));
        Assert.Equal(d["salt"]!.GetValue<string>(), Convert.ToHexStringLower(okm[32..]));
    }

    /// <summary>node's crypto (X25519, HKDF, AES-GCM, Ed25519) verifies and opens each v2 vector, then seals a reading the C# receiver applies.</summary>
    [ToolTheory("node")]
    [InlineData(CryptoSuite.Modern)]
    [InlineData(CryptoSuite.SessionSigned)]
    public void Node_opens_each_v2_vector_and_seals_a_message_the_receiver_accepts(CryptoSuite suite)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "interop", "verify-vector-v2.mjs");
        var run = Tools.Run(Tools.Find("node")!, [script, VectorPath(suite)], 30_000);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        var result = JsonNode.Parse(run.Stdout)!;
        var v = Committed(suite);
        Assert.Equal(v["data"]!["plaintext"]!.GetValue<string>(), result["plaintext"]!.GetValue<string>());
        Assert.Equal(v["derived"]!["sessionKey"]!.GetValue<string>(), result["sessionKey"]!.GetValue<string>());

        var keys = SuiteTestKeys.Shared;
        var time = new ManualTime(DateTimeOffset.FromUnixTimeMilliseconds(v["receiverTimeUnixMs"]!.GetValue<long>()));
        using var receiver = new SuiteEnvelopeReceiver(keys.ActuatorAgreement, [new(TestKeys.Device, keys.DevicePublic)], ReplayStore.InMemory(),
            new EnvelopeReceiverOptions { Time = time, TopicRule = TopicRules.Strict() });
        Assert.Equal(ReceiveOutcome.KeyAccepted,
            receiver.Receive(v["announcement"]!["topic"]!.GetValue<string>(), Convert.FromHexString(v["announcement"]!["hex"]!.GetValue<string>())).Outcome);
        var node = result["nodeMessage"]!;
        var fromNode = receiver.Receive(node["topic"]!.GetValue<string>(), Convert.FromHexString(node["hex"]!.GetValue<string>()));
        Assert.Equal(ReceiveOutcome.Data, fromNode.Outcome);
        Assert.Equal(node["plaintext"]!.GetValue<string>(), Encoding.UTF8.GetString(fromNode.Plaintext!));
    }
}
