using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace SmartHome.Security.Tests;

/// <summary>
/// The v2 acknowledgement test vector in docs/PROTOCOL.md ("v2 acknowledgement"): Ed25519 is deterministic, so the message
/// is rebuilt from the documented inputs by the real <see cref="AckSigner"/> and must match byte for byte, and the device's
/// <see cref="AckVerifier"/> accepts the documented bytes at the documented time.
/// </summary>
public sealed class AckVectorTests
{
    private static Dictionary<string, string> Vector()
    {
        string document = File.ReadAllText(Path.Combine(ConstantTimeScanTests.RepoRoot(), "docs", "PROTOCOL.md"));
        int start = document.IndexOf("### v2 acknowledgement", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/PROTOCOL.md has no v2 acknowledgement section");
        string section = document[start..];
        section = section[..section.IndexOf("\n## ", StringComparison.Ordinal)];
        return section.Split('\n')
            .Where(l => l.StartsWith("    ", StringComparison.Ordinal) && l.Contains(" : ", StringComparison.Ordinal))
            .Select(l => l.Split(" : ", 2))
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.Ordinal);
    }

    [Fact]
    public void The_documented_vector_is_what_the_signer_makes_and_the_verifier_takes()
    {
        var v = Vector();
        byte[] seed = SHA256.HashData(Encoding.ASCII.GetBytes(v["actuator key seed"]));
        using var key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        Assert.Equal(v["actuator public key"], Convert.ToHexStringLower(key.PublicKey.Export(KeyBlobFormat.RawPublicKey)));
        Assert.True(CryptoSuites.TryParse(v["suite"], out var suite));
        var time = new ManualTime(DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(v["timestamp"], System.Globalization.CultureInfo.InvariantCulture)));
        string topic = v["topic"];
        byte[] body = Convert.FromHexString(v["body"].Replace(" ", "", StringComparison.Ordinal));
        Assert.Equal("1", v["counter"]);

        var signer = new AckSigner(new Ed25519AckScheme(suite, key), new AckCounter("actuator", CounterStore.InMemory()), time);
        Assert.Equal(v["message"], Convert.ToHexStringLower(signer.Seal(topic, body)));

        var verifier = new AckVerifier(new Ed25519AckScheme(suite, key.PublicKey),
            new AckReplayGuard("actuator", ReplayStore.InMemory(), TimeSpan.FromSeconds(30), time), t => t == topic);
        var verified = verifier.Verify(topic, Convert.FromHexString(v["message"]));
        Assert.True(verified.Accepted, verified.Detail);
        Assert.Equal(body, verified.Body);
    }
}
