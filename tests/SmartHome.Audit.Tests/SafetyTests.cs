using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace SmartHome.Audit.Tests;

/// <summary>
/// Safe by default: the audit publishes only under its own probe root, leaves no retained probe and no session behind;
/// and the TLS checks notice a wrong CA and a plaintext listener beside TLS.
/// </summary>
public sealed class SafetyTests(AuditBrokers brokers) : IClassFixture<AuditBrokers>
{
    public static TheoryData<string> Implementations => AuditBrokers.MosquittoExecutable is null ? ["embedded"] : ["embedded", "mosquitto"];

    [Theory]
    [MemberData(nameof(Implementations))]
    public async Task The_audit_publishes_only_under_its_probe_root_and_leaves_no_retained_probe(string implementation)
    {
        var broker = brokers.Get(BrokerKind.Insecure, implementation);
        var seen = new ConcurrentQueue<MqttApplicationMessage>();
        using var observer = new MqttClientFactory().CreateMqttClient();
        observer.ApplicationMessageReceivedAsync += e =>
        {
            seen.Enqueue(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        await observer.ConnectAsync(brokers.Options(broker, null, "safety-observer"));
        await observer.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await Task.Delay(500);
        var before = seen.Count;

        var report = await Auditor.RunAsync(brokers.KnownAnswerOptions(broker), NullLogger.Instance, CancellationToken.None);
        await Task.Delay(500);
        await observer.DisconnectAsync();

        var during = seen.Skip(before).ToList();
        Assert.NotEmpty(during);
        Assert.All(during, m => Assert.StartsWith(report.ProbeTopicRoot + "/", m.Topic, StringComparison.Ordinal));

        // A new subscriber to the probe root gets nothing retained, and the device's own retained reading is untouched.
        using var late = new MqttClientFactory().CreateMqttClient();
        var retained = new ConcurrentQueue<string>();
        late.ApplicationMessageReceivedAsync += e =>
        {
            retained.Enqueue($"{e.ApplicationMessage.Topic}:{e.ApplicationMessage.ConvertPayloadToString()}");
            return Task.CompletedTask;
        };
        await late.ConnectAsync(brokers.Options(broker, null, "safety-late"));
        await late.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await Task.Delay(1000);
        await late.DisconnectAsync();
        Assert.Equal([$"{AuditBrokers.RetainedTopic}:{AuditBrokers.RetainedPayload}"], retained.ToArray());
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public async Task The_audits_persistent_session_is_deleted(string implementation)
    {
        var broker = brokers.Get(BrokerKind.Insecure, implementation);
        var report = await brokers.AuditAsync(broker);
        var sessionId = $"audit-{report.RunId}-session";
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = brokers.Options(broker, null, sessionId);
        options.CleanSession = false;
        options.SessionExpiryInterval = 0;
        var result = await client.ConnectAsync(options);
        Assert.False(result.IsSessionPresent, "the audit left its persistent session behind");
        await client.DisconnectAsync();
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public async Task A_plaintext_listener_beside_tls_is_found(string implementation)
    {
        var secure = brokers.Get(BrokerKind.Secure, implementation);
        var plaintext = brokers.Get(BrokerKind.Insecure, implementation);
        var options = brokers.KnownAnswerOptions(secure) with { PlaintextPort = plaintext.Port };
        var report = await Auditor.RunAsync(options, NullLogger.Instance, CancellationToken.None, [new Checks.AnonymousConnectCheck(), new Checks.PlaintextListenerCheck()]);
        var finding = Assert.Single(report.Findings);
        Assert.Equal("plaintext-listener", finding.RuleId);
        Assert.Equal(Severity.High, finding.Severity);
        Assert.Contains("no password", finding.Evidence[0].Sent, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public async Task A_certificate_that_does_not_chain_to_the_given_ca_is_found(string implementation)
    {
        var secure = brokers.Get(BrokerKind.Secure, implementation);
        var otherCa = Path.Combine(Path.GetTempPath(), $"audit-other-ca-{Guid.NewGuid():N}.pem");
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var request = new CertificateRequest("CN=Some other CA", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            await File.WriteAllTextAsync(otherCa, ca.ExportCertificatePem());
        }

        try
        {
            var options = brokers.KnownAnswerOptions(secure) with { CaFile = otherCa };
            var report = await Auditor.RunAsync(options, NullLogger.Instance, CancellationToken.None, [new Checks.TlsCheck()]);
            Assert.Equal(["tls-untrusted-chain"], report.Findings.Select(f => f.RuleId));

            var right = await Auditor.RunAsync(brokers.KnownAnswerOptions(secure), NullLogger.Instance, CancellationToken.None, [new Checks.TlsCheck()]);
            Assert.Empty(right.Findings);
            Assert.Contains(right.Checks[0].Evidence, e => e.Received.Contains("trusted root", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(otherCa);
        }
    }

    [Fact]
    public async Task Expiry_is_judged_against_the_clock()
    {
        var secure = brokers.Get(BrokerKind.Secure, "embedded");
        var later = new FixedTime(DateTimeOffset.UtcNow.AddDays(900));
        var report = await Auditor.RunAsync(brokers.KnownAnswerOptions(secure), NullLogger.Instance, CancellationToken.None, [new Checks.TlsCheck(later)]);
        Assert.Contains("tls-expired", report.Findings.Select(f => f.RuleId));
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
