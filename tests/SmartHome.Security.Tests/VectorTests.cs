using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace SmartHome.Security.Tests;

/// <summary>The committed test vector (vectors/vector-v1.json, used in docs/PROTOCOL.md) and its node interop check.</summary>
public partial class VectorTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset VectorTime = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private const string Plaintext = "{\"sensor\":\"temp-living\",\"t\":21.5,\"unit\":\"C\"}";

    private static string VectorPath => Path.Combine(TestKeys.VectorsDir, "vector-v1.json");

    /// <summary>
    /// The generator of the committed vector: always checked (it writes a fresh vector to a temporary file, which the
    /// receiver must accept); with SMARTHOME_WRITE_VECTORS=1 it replaces the committed file instead (every byte changes:
    /// DSA signatures are randomized).
    /// </summary>
    [Fact]
    public void Vector_generator_writes_a_vector_the_receiver_accepts()
    {
        var keys = TestKeys.Shared;
        var time = new ManualTime(VectorTime);
        using var sender = new EnvelopeSender(TestKeys.Device, keys.DevicePrivate, keys.ActuatorPublic, time: time);
        string topic = TopicRules.Readings(TestKeys.Device);
        SealResult r = sender.Seal(topic, Encoding.UTF8.GetBytes(Plaintext));
        KeyAnnouncement a = r.Announcement!;

        // Independently derived intermediate values for the worked example.
        int idLen = TestKeys.Device.Length;
        int h = EnvelopeFormat.FixedHeaderSize + idLen;
        byte[] ann = a.Message;
        byte[] wrapped = ann.AsSpan(h + 14, 256).ToArray();
        byte[] sessionKey = keys.ActuatorPrivate.Decrypt(wrapped, RSAEncryptionPadding.OaepSHA256);
        byte[] salt = ann.AsSpan(h, 4).ToArray();
        byte[] nonce = [.. salt, .. BigEndian(r.Counter)];
        byte[] t = Encoding.UTF8.GetBytes(topic);
        byte[] binding = [(byte)(t.Length >> 8), (byte)t.Length, .. t];
        byte[] aad = [.. r.Message.AsSpan(0, h + 2), .. binding];

        var json = new JsonObject
        {
            ["description"] = "SmartHome secure envelope v1 test vector (test keys only). Receiver clock = receiverTimeUnixMs.",
            ["keys"] = new JsonObject
            {
                ["recipientPrivateKey"] = "keys/actuator.rsa.key.pem",
                ["recipientPublicKey"] = "keys/actuator.rsa.pub.pem",
                ["senderPublicKey"] = "keys/temp-living.dsa.pub.pem",
                ["senderPrivateKey"] = "keys/temp-living.dsa.key.pem",
            },
            ["senderId"] = TestKeys.Device,
            ["receiverTimeUnixMs"] = VectorTime.ToUnixTimeMilliseconds(),
            ["announcement"] = new JsonObject { ["topic"] = a.Topic, ["hex"] = Convert.ToHexStringLower(ann) },
            ["data"] = new JsonObject { ["topic"] = topic, ["hex"] = Convert.ToHexStringLower(r.Message), ["plaintext"] = Plaintext },
            ["derived"] = new JsonObject
            {
                ["sessionKeyHex"] = Convert.ToHexStringLower(sessionKey),
                ["recipientFingerprintHex"] = Convert.ToHexStringLower(SHA256.HashData(keys.ActuatorPublic.ExportSubjectPublicKeyInfo())[..8]),
                ["dataNonceHex"] = Convert.ToHexStringLower(nonce),
                ["dataAadHex"] = Convert.ToHexStringLower(aad),
                ["topicBindingHex"] = Convert.ToHexStringLower(binding),
            },
        };
        bool replaceCommitted = Environment.GetEnvironmentVariable("SMARTHOME_WRITE_VECTORS") == "1";
        string dest = replaceCommitted
            ? Path.Combine(ConstantTimeScanTests.RepoRoot(), "tests", "SmartHome.Security.Tests", "vectors", "vector-v1.json")
            : Path.Combine(Path.GetTempPath(), $"smarthome-vector-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(dest, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            output.WriteLine("wrote " + dest);
            var (rx, v) = ReceiverForVector(dest);
            using (rx)
            {
                Assert.Equal(ReceiveOutcome.KeyAccepted, rx.Receive((string)v["announcement"]!["topic"]!, Convert.FromHexString((string)v["announcement"]!["hex"]!)).Outcome);
                ReceiveResult data = rx.Receive((string)v["data"]!["topic"]!, Convert.FromHexString((string)v["data"]!["hex"]!));
                Assert.Equal(Plaintext, Encoding.UTF8.GetString(data.Plaintext!));
                Assert.Equal((string)v["derived"]!["sessionKeyHex"]!, Convert.ToHexStringLower(sessionKey));
            }
        }
        finally
        {
            if (!replaceCommitted)
            {
                File.Delete(dest);
            }
        }
    }

    private static byte[] BigEndian(ulong v)
    {
        byte[] b = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, v);
        return b;
    }

    private static (EnvelopeReceiver Rx, JsonNode V) ReceiverForVector(string? path = null)
    {
        JsonNode v = JsonNode.Parse(File.ReadAllText(path ?? VectorPath))!;
        var time = new ManualTime(DateTimeOffset.FromUnixTimeMilliseconds((long)v["receiverTimeUnixMs"]!));
        var keys = TestKeys.Shared;
        return (new EnvelopeReceiver(keys.ActuatorPrivate, keys.Directory, ReplayStore.InMemory(), new EnvelopeReceiverOptions { Time = time }), v);
    }

    [Fact]
    public void CommittedVector_IsAcceptedByTheReceiver()
    {
        var (rx, v) = ReceiverForVector();
        using (rx)
        {
            ReceiveResult ann = rx.Receive((string)v["announcement"]!["topic"]!, Convert.FromHexString((string)v["announcement"]!["hex"]!));
            Assert.Equal(ReceiveOutcome.KeyAccepted, ann.Outcome);
            ReceiveResult data = rx.Receive((string)v["data"]!["topic"]!, Convert.FromHexString((string)v["data"]!["hex"]!));
            Assert.Equal(ReceiveOutcome.Data, data.Outcome);
            Assert.Equal((string)v["data"]!["plaintext"]!, Encoding.UTF8.GetString(data.Plaintext!));
        }
    }

    /// <summary>
    /// docs/PROTOCOL.md's worked example lists every byte: the hex at the start of each line of its two listings,
    /// concatenated, is the vector's announcement and data message (so a third party can check every byte).
    /// </summary>
    [Fact]
    public void Worked_example_is_the_full_vector()
    {
        string doc = File.ReadAllText(Path.Combine(ConstantTimeScanTests.RepoRoot(), "docs", "PROTOCOL.md"));
        int start = doc.IndexOf("## Worked example", StringComparison.Ordinal);
        Assert.True(start >= 0, "no worked example in PROTOCOL.md");
        int end = doc.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        string section = doc[start..(end < 0 ? doc.Length : end)];

        // A listing is a run of indented lines that start with hex (then two or more spaces and a description).
        var listings = new List<string>();
        var current = new StringBuilder();
        foreach (string line in section.Split('\n'))
        {
            Match m = ListingLine().Match(line);
            if (m.Success)
            {
                current.Append(m.Groups[1].Value);
            }
            else if (current.Length > 0)
            {
                listings.Add(current.ToString());
                current.Clear();
            }
        }

        JsonNode v = JsonNode.Parse(File.ReadAllText(VectorPath))!;
        Assert.Equal([(string)v["announcement"]!["hex"]!, (string)v["data"]!["hex"]!], listings);
        Assert.Contains((string)v["derived"]!["sessionKeyHex"]!, section, StringComparison.Ordinal);
        string aad = (string)v["derived"]!["dataAadHex"]!, binding = (string)v["derived"]!["topicBindingHex"]!;
        Assert.Contains(aad[..^binding.Length] + " ‖ B", section, StringComparison.Ordinal);
        Assert.Contains(binding[..4] + " " + binding[4..], section, StringComparison.Ordinal);
    }

    [GeneratedRegex("^    ([0-9a-f]+)(?: {2,}.*)?$")]
    private static partial Regex ListingLine();

    /// <summary>node's crypto module verifies and decrypts the vector, then seals its own message which C# accepts.</summary>
    [ToolFact("node")]
    public void Node_VerifiesDecrypts_AndProducesAcceptedMessage()
    {
        string script = Path.Combine(AppContext.BaseDirectory, "interop", "verify-vector.mjs");
        var run = Tools.Run(Tools.Find("node")!, [script, VectorPath], 30_000);
        output.WriteLine(run.Stdout + run.Stderr);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        JsonNode result = JsonNode.Parse(run.Stdout)!;
        Assert.Equal(Plaintext, (string)result["plaintext"]!);

        var (rx, v) = ReceiverForVector();
        using (rx)
        {
            Assert.True(rx.Receive((string)v["announcement"]!["topic"]!, Convert.FromHexString((string)v["announcement"]!["hex"]!)).IsAccepted);
            Assert.True(rx.Receive((string)v["data"]!["topic"]!, Convert.FromHexString((string)v["data"]!["hex"]!)).IsAccepted);
            ReceiveResult fromNode = rx.Receive((string)result["nodeMessage"]!["topic"]!, Convert.FromHexString((string)result["nodeMessage"]!["hex"]!));
            Assert.Equal(ReceiveOutcome.Data, fromNode.Outcome);
            Assert.Equal((string)result["nodeMessage"]!["plaintext"]!, Encoding.UTF8.GetString(fromNode.Plaintext!));
        }
    }
}
