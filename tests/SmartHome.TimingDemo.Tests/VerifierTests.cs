using System.Net;

namespace SmartHome.TimingDemo.Tests;

public class VerifierTests
{
    private static readonly byte[] Secret = Convert.FromHexString("3e17ba96ae04cd3b99869e56f0adbf3a");

    public static TheoryData<VerifierKind, int> Kinds => new()
    {
        { VerifierKind.Vulnerable, 0 },
        { VerifierKind.Vulnerable, 50 },
        { VerifierKind.ConstantTime, 0 },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Accepts_the_secret_and_rejects_everything_else(VerifierKind kind, int amplify)
    {
        var v = TokenVerifiers.Create(kind, Secret, amplify);
        Assert.Equal(kind, v.Kind);
        Assert.Equal(16, v.SecretLength);
        Assert.True(v.Verify(Secret));
        Assert.True(v.Verify((byte[])Secret.Clone()));

        for (var i = 0; i < Secret.Length; i++)
        {
            var wrong = (byte[])Secret.Clone();
            wrong[i] ^= 0x01;
            Assert.False(v.Verify(wrong));
        }

        Assert.False(v.Verify(Secret.AsSpan(0, 15)));
        Assert.False(v.Verify([.. Secret, 0x00]));
        Assert.False(v.Verify([]));
        Assert.False(v.Verify(new byte[16]));
    }

    [Fact]
    public void Verifier_keeps_its_own_copy_of_the_secret()
    {
        var secret = (byte[])Secret.Clone();
        var v = new VulnerableVerifier(secret);
        secret[0] ^= 0xFF;
        Assert.True(v.Verify(Secret));
    }

    [Fact]
    public void Correct_prefix_length_and_sweep_tokens()
    {
        Assert.Equal(0, TokenVerifiers.CorrectPrefixLength(Secret, new byte[16]));
        Assert.Equal(16, TokenVerifiers.CorrectPrefixLength(Secret, Secret));
        for (var k = 0; k <= 16; k++)
        {
            var token = PrefixSweep.TokenWithPrefix(Secret, k);
            Assert.Equal(16, token.Length);
            Assert.Equal(k, TokenVerifiers.CorrectPrefixLength(Secret, token));
        }
    }

    [Fact]
    public void Only_loopback_addresses_are_accepted()
    {
        Assert.Throws<ArgumentException>(() => new NetworkOracle(IPAddress.Parse("10.0.0.1"), 5077));
        Assert.Throws<ArgumentException>(() => new TimingServer(new ConstantTimeVerifier(Secret), Secret, IPAddress.Any, 0));
    }

    [Theory]
    [InlineData(VerifierKind.Vulnerable)]
    [InlineData(VerifierKind.ConstantTime)]
    public async Task Tcp_server_answers_accept_and_reject(VerifierKind kind)
    {
        using var server = new TimingServer(TokenVerifiers.Create(kind, Secret, 0), Secret, IPAddress.Loopback, 0);
        var run = server.RunAsync();
        using (var oracle = new NetworkOracle(IPAddress.Loopback, server.Endpoint.Port))
        {
            Assert.Equal(16, oracle.TokenLength);
            Assert.True(oracle.Query(Secret).Accepted);
            Assert.False(oracle.Query(new byte[16]).Accepted);
        }

        server.Dispose();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(server.Requests >= 2);
    }

    [Theory]
    [InlineData(VerifierKind.Vulnerable)]
    [InlineData(VerifierKind.ConstantTime)]
    public async Task Race_server_answers_both_requests_of_a_pair_each_with_its_own_verdict(VerifierKind kind)
    {
        using var server = new RaceServer(TokenVerifiers.Create(kind, Secret, 0), Secret, IPAddress.Loopback, 0);
        var run = server.RunAsync();
        using (var oracle = new TimelessOracle(IPAddress.Loopback, server.Endpoint.Port))
        {
            Assert.Equal(16, oracle.TokenLength);
            var secretFirst = oracle.Race(Secret, new byte[16]);
            Assert.True(secretFirst.FirstAccepted);
            Assert.False(secretFirst.SecondAccepted);
            var secretSecond = oracle.Race(new byte[16], Secret);
            Assert.False(secretSecond.FirstAccepted);
            Assert.True(secretSecond.SecondAccepted);
            Assert.True(oracle.Race(Secret, Secret) is { FirstAccepted: true, SecondAccepted: true });
        }

        server.Dispose();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(server.Requests >= 6);
    }

    [Fact]
    public void Race_oracle_accepts_loopback_only()
    {
        Assert.Throws<ArgumentException>(() => new TimelessOracle(IPAddress.Parse("10.0.0.1"), 5077));
        Assert.Throws<ArgumentException>(() => new RaceServer(new ConstantTimeVerifier(Secret), Secret, IPAddress.Any, 0));
    }

    [Fact]
    public void In_process_oracle_reports_acceptance()
    {
        var oracle = new InProcessOracle(new VulnerableVerifier(Secret), repetitions: 4);
        Assert.True(oracle.Query(Secret).Accepted);
        Assert.False(oracle.Query(new byte[16]).Accepted);
    }
}
