using SmartHome.Audit.Output;
using Xunit.Abstractions;

namespace SmartHome.Audit.Tests;

/// <summary>
/// Known answers: the lab's insecure broker gives every expected finding, the lab's secure broker nothing above low,
/// the seed-like broker exactly its findings, and the embedded broker the same answers as Mosquitto. Every broker is on
/// a loopback port of this machine.
/// </summary>
public sealed class KnownAnswerTests(AuditBrokers brokers, ITestOutputHelper output) : IClassFixture<AuditBrokers>
{
    /// <summary>Anonymous, plaintext, no ACL: everything an open broker allows; max_packet_size 65536 holds.</summary>
    public static readonly string[] InsecureFindings =
    [
        "anonymous-access", "any-credentials-accepted", "client-id-takeover", "publish-outside-own-topics", "retained-disclosure",
        "retained-write", "session-leakage", "sys-disclosure", "tls-not-offered", "wildcard-read",
    ];

    /// <summary>
    /// The seed: anonymous allowed and no ACL loaded, so the same reach as the insecure broker; its password file refuses
    /// wrong passwords but nothing slows guessing; no max_packet_size.
    /// </summary>
    public static readonly string[] SeedFindings =
    [
        "anonymous-access", "client-id-takeover", "no-login-throttling", "oversized-payload", "publish-outside-own-topics",
        "retained-disclosure", "retained-write", "session-leakage", "sys-disclosure", "tls-not-offered", "wildcard-read",
    ];

    /// <summary>TLS, passwords, ACL, use_username_as_clientid, max_packet_size: only the unthrottled logins remain (low).</summary>
    public static readonly string[] SecureFindings = ["no-login-throttling"];

    public static TheoryData<BrokerKind> Kinds => [BrokerKind.Insecure, BrokerKind.Secure, BrokerKind.Seed];

    private static string[] Expected(BrokerKind kind) => kind switch
    {
        BrokerKind.Insecure => InsecureFindings,
        BrokerKind.Secure => SecureFindings,
        _ => SeedFindings,
    };

    [ToolTheory("mosquitto")]
    [MemberData(nameof(Kinds))]
    public Task Mosquitto_gives_the_known_findings(BrokerKind kind) => AssertKnownAsync(brokers.Get(kind, "mosquitto"));

    [Theory]
    [MemberData(nameof(Kinds))]
    public Task The_embedded_broker_gives_the_known_findings(BrokerKind kind) => AssertKnownAsync(brokers.Get(kind, "embedded"));

    [ToolTheory("mosquitto")]
    [MemberData(nameof(Kinds))]
    public async Task The_embedded_broker_answers_like_mosquitto(BrokerKind kind)
    {
        var mosquitto = await brokers.AuditAsync(brokers.Get(kind, "mosquitto"));
        var embedded = await brokers.AuditAsync(brokers.Get(kind, "embedded"));
        static string Answers(AuditReport r) => string.Join('\n',
            r.Checks.Select(c => $"{c.Check}: {c.Status} [{string.Join(", ", c.Findings.Select(f => $"{f.RuleId}/{f.Severity.Name()}").Order(StringComparer.Ordinal))}]"));
        output.WriteLine($"mosquitto:\n{Answers(mosquitto)}\n\nembedded:\n{Answers(embedded)}");
        Assert.Equal(Answers(mosquitto), Answers(embedded));
    }

    [Fact]
    public async Task The_secure_broker_has_no_finding_above_low()
    {
        foreach (var implementation in AuditBrokers.MosquittoExecutable is null ? ["embedded"] : new[] { "mosquitto", "embedded" })
        {
            var report = await brokers.AuditAsync(brokers.Get(BrokerKind.Secure, implementation));
            Assert.All(report.Findings, f => Assert.True(f.Severity <= Severity.Low, $"{implementation}: {f.RuleId} is {f.Severity.Name()}: {f.Message}"));
            Assert.False(report.FailsAt(Severity.Medium));
        }
    }

    [Fact]
    public async Task Every_finding_carries_evidence_an_attack_of_the_catalogue_and_a_mosquitto_fix()
    {
        var report = await brokers.AuditAsync(brokers.Get(BrokerKind.Seed, "embedded"));
        Assert.NotEmpty(report.Findings);
        foreach (var finding in report.Findings)
        {
            Assert.NotEmpty(finding.Evidence);
            Assert.All(finding.Evidence, e => Assert.False(string.IsNullOrWhiteSpace(e.Sent) || string.IsNullOrWhiteSpace(e.Received), finding.RuleId));
            Assert.NotEmpty(finding.EnablesAttacks);
            Assert.All(finding.EnablesAttacks, a => Assert.True(SmartHome.Attacker.Attacks.IsKnown(a), $"{finding.RuleId}: '{a}' is not an attack of the catalogue"));
            Assert.Matches(@"^(#.*\n)?[a-z_]+ ", finding.Fix);
        }
    }

    [Fact]
    public async Task Only_loopback_is_contacted_and_no_password_appears_in_a_report()
    {
        var secure = brokers.Get(BrokerKind.Secure, "embedded");
        var report = await brokers.AuditAsync(secure);
        Assert.True(System.Net.IPAddress.IsLoopback(System.Net.IPAddress.Parse(report.Address)), report.Address);
        var options = brokers.KnownAnswerOptions(secure);
        foreach (var format in Enum.GetValues<ReportFormat>())
        {
            var text = ReportWriter.Render(report, format);
            Assert.DoesNotContain(options.Identity.Password!, text, StringComparison.Ordinal);
            Assert.DoesNotContain(options.SecondIdentity!.Password!, text, StringComparison.Ordinal);
        }
    }

    private async Task AssertKnownAsync(FixtureBroker broker)
    {
        var report = await brokers.AuditAsync(broker);
        output.WriteLine(MarkdownReport.Render(report));
        Assert.All(report.Checks, c => Assert.True(c.Status != CheckStatus.Error, $"{broker}: {c.Check} failed: {c.Summary}"));
        var found = report.Findings.Select(f => f.RuleId).Distinct().Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Expected(broker.Kind), found);
        Assert.Equal(report.Findings.Count, found.Length);
    }
}
