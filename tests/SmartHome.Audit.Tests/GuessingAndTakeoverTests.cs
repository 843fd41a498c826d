using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet.Protocol;
using MQTTnet.Server;
using SmartHome.EmbeddedBroker;
using SmartHome.Security;

namespace SmartHome.Audit.Tests;

/// <summary>
/// The opt-in checks on brokers built for them: a weak password in the word list is found, a broker that starts refusing
/// with "connection rate exceeded" is noticed as throttling, and with one login only the takeover check tells chosen
/// client ids from ids bound to usernames.
/// </summary>
public sealed class GuessingAndTakeoverTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "smarthome-audit-guess-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly Dictionary<string, string> _passwords = new(StringComparer.Ordinal) { ["auditor"] = BrokerPasswords.NewPassword(), ["admin"] = "admin" };
    private EmbeddedMqttBroker? _broker;
    private int _port;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        BrokerPasswords.WriteMosquittoFile(Path.Combine(_directory, "passwd"), _passwords);
        _port = MosquittoProcess.FreePort();
        // Passwords required, but an 'admin' account with the password 'admin', and no use_username_as_clientid.
        string[] conf = [$"listener {_port} 127.0.0.1", "allow_anonymous false", $"password_file {Path.Combine(_directory, "passwd")}"];
        _broker = await EmbeddedMqttBroker.StartAsync(MosquittoConf.Parse(conf), TextWriter.Null);
    }

    private AuditOptions Options(int port) => new()
    {
        Broker = BrokerAddress.TryParse($"mqtt://127.0.0.1:{port}", out _)!,
        Identity = new BrokerIdentity("auditor", _passwords["auditor"]),
        AllowCredentialGuessing = true,
        AllowTakeover = true,
        GuessLimit = 30,
        GuessRatePerSecond = 20,
        ListenTime = TimeSpan.FromSeconds(0.5),
    };

    [Fact]
    public async Task A_word_list_password_is_found_and_reported_critical_without_the_password()
    {
        var report = await Auditor.RunAsync(Options(_port), NullLogger.Instance, CancellationToken.None, [new Checks.CredentialGuessingCheck()]);
        var weak = Assert.Single(report.Findings, f => f.RuleId == "weak-credentials");
        Assert.Equal(Severity.Critical, weak.Severity);
        Assert.Contains("'admin'", weak.Message, StringComparison.Ordinal);
        Assert.True(report.FailsAt(Severity.Critical));
        Assert.DoesNotContain(_passwords["auditor"], Output.ReportWriter.Render(report, Output.ReportFormat.Json), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_one_login_chosen_client_ids_are_a_takeover_and_session_leakage_needs_a_second_identity()
    {
        var report = await Auditor.RunAsync(Options(_port), NullLogger.Instance, CancellationToken.None,
            [new Checks.AnonymousConnectCheck(), new Checks.ClientIdTakeoverCheck(), new Checks.PersistentSessionLeakageCheck()]);
        var takeover = Assert.Single(report.Findings, f => f.RuleId == "client-id-takeover");
        Assert.Equal(Severity.Medium, takeover.Severity);
        Assert.Contains(takeover.Evidence, e => e.Received.Contains("chosen by clients", StringComparison.Ordinal));
        Assert.Equal(CheckStatus.Skipped, report.Checks.Single(c => c.Check == "session-leakage").Status);
    }

    [Fact]
    public async Task A_broker_that_starts_refusing_with_rate_exceeded_is_noticed_as_throttling()
    {
        var port = MosquittoProcess.FreePort();
        var failures = 0;
        using var server = new MqttServerFactory().CreateMqttServer(new MqttServerOptionsBuilder()
            .WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(IPAddress.Loopback).WithDefaultEndpointPort(port).Build());
        server.ValidatingConnectionAsync += e =>
        {
            // Three wrong logins, then this broker refuses every login for a while.
            e.ReasonCode = Interlocked.Increment(ref failures) <= 3 ? MqttConnectReasonCode.BadUserNameOrPassword : MqttConnectReasonCode.ConnectionRateExceeded;
            return Task.CompletedTask;
        };
        await server.StartAsync();
        try
        {
            var report = await Auditor.RunAsync(Options(port) with { GuessLimit = 8 }, NullLogger.Instance, CancellationToken.None, [new Checks.CredentialGuessingCheck()]);
            var check = report.Checks.Single();
            Assert.Equal(CheckStatus.Passed, check.Status);
            Assert.Empty(report.Findings);
            Assert.Contains(check.Evidence, e => e.Sent == "(lockout or throttling)" && e.Received.Contains("ConnectionRateExceeded", StringComparison.Ordinal));
        }
        finally
        {
            await server.StopAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>
/// A broker that binds client ids to usernames but loads no ACL: one login at a time per account. The reach checks must
/// still see what it allows (a second connection of the same login would have displaced the first and hidden it).
/// </summary>
public sealed class UsernameBoundClientIdTests
{
    [Fact]
    public async Task Wildcard_read_and_publish_anywhere_are_found_with_one_connection_per_login()
    {
        var directory = Path.Combine(Path.GetTempPath(), "smarthome-audit-bound-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var password = BrokerPasswords.NewPassword();
        BrokerPasswords.WriteMosquittoFile(Path.Combine(directory, "passwd"), new Dictionary<string, string> { ["auditor"] = password });
        var port = MosquittoProcess.FreePort();
        string[] conf = [$"listener {port} 127.0.0.1", "allow_anonymous false", $"password_file {Path.Combine(directory, "passwd")}", "use_username_as_clientid true"];
        await using var broker = await EmbeddedMqttBroker.StartAsync(MosquittoConf.Parse(conf), TextWriter.Null);
        try
        {
            var options = new AuditOptions
            {
                Broker = BrokerAddress.TryParse($"mqtt://127.0.0.1:{port}", out _)!,
                Identity = new BrokerIdentity("auditor", password),
                ListenTime = TimeSpan.FromSeconds(0.5),
            };
            var report = await Auditor.RunAsync(options, NullLogger.Instance, CancellationToken.None,
                [new Checks.AnonymousConnectCheck(), new Checks.WildcardReadCheck(), new Checks.PublishOutsideOwnTopicsCheck()]);
            Assert.Equal(["publish-outside-own-topics", "retained-write", "sys-disclosure", "wildcard-read"],
                report.Findings.Select(f => f.RuleId).Order(StringComparer.Ordinal).ToArray());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
