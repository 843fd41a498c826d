using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmartHome.Contracts;

namespace SmartHome.Attacker.Tests;

/// <summary>The orchestration, on paths that need no broker and no victim (nothing listens where they point).</summary>
public sealed class CampaignTests : IDisposable
{
    private readonly HttpClient _actuator = new() { BaseAddress = new Uri("http://127.0.0.1:1"), Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose() => _actuator.Dispose();

    private Campaign Campaign(string broker, ILogger? logger = null) =>
        new(new CampaignSettings("insecure", BrokerTarget.Parse(broker, null), AttackerSecrets.None), new Victim(_actuator, null),
            logger ?? NullLogger.Instance);

    [Fact]
    public async Task Every_attack_runs_at_every_level_in_order_and_one_that_cannot_run_says_why()
    {
        await using var campaign = Campaign("mqtt://broker.example.org:1883");

        var report = await campaign.RunAsync(new CampaignRequest(7, [Attacks.ReplayAfterRestart, "teleport", Attacks.Flood, Attacks.AckForgery]),
            CancellationToken.None);

        Assert.Equal(("insecure", 7, 12), (report.Pipeline, report.AttemptsPerAttack, report.Results.Count));
        Assert.Equal(
            [Attacks.ReplayAfterRestart, Attacks.ReplayAfterRestart, Attacks.ReplayAfterRestart, "teleport", "teleport", "teleport",
                Attacks.Flood, Attacks.Flood, Attacks.Flood, Attacks.AckForgery, Attacks.AckForgery, Attacks.AckForgery],
            report.Results.Select(r => r.Attack));
        Assert.Equal(Enumerable.Repeat<string[]>(["outsider", "insider", "compromised-broker"], 4).SelectMany(l => l), report.Results.Select(r => r.Level));
        Assert.All(report.Results, r => Assert.Equal((0, 0, "insecure"), (r.Attempts, r.Succeeded, r.Pipeline)));
        Assert.StartsWith("skipped: needs a real actuator restart", report.Results[0].Notes, StringComparison.Ordinal);
        Assert.Equal("unknown attack", report.Results[3].Notes);
        Assert.Equal("refused: the flood only targets a broker on this machine (loopback)", report.Results[6].Notes);
        Assert.Equal("skipped: needs the sensor (the victim of this attack) to judge by", report.Results[9].Notes);
    }

    [Fact]
    public async Task An_attack_that_fails_is_reported_as_unjudged_and_the_campaign_goes_on()
    {
        var log = new ListLogger();
        await using var campaign = Campaign($"mqtt://127.0.0.1:{ClosedPort()}", log);

        var report = await campaign.RunAsync(new CampaignRequest(3, [Attacks.Inject, Attacks.AckForgery]), CancellationToken.None);

        var inject = report.Results.Where(r => r.Attack == Attacks.Inject).ToList();
        Assert.Equal(3, inject.Count);
        Assert.All(inject, r =>
        {
            Assert.StartsWith("campaign error: ", r.Notes, StringComparison.Ordinal);
            Assert.Equal((0, 3), (r.Attempts, r.Unjudged));
            Assert.True(r.DurationMs > 0);
        });
        Assert.Equal(3, report.Results.Count(r => r.Attack == Attacks.AckForgery));
        Assert.Contains("Attacking the insecure pipeline: inject as compromised-broker", log.Lines);
        Assert.Contains("Attacking the insecure pipeline: ack-forgery as outsider", log.Lines);
        Assert.Equal(3, log.Lines.Count(l => l.StartsWith("Attack inject as ", StringComparison.Ordinal) && l.EndsWith(" failed", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_sustained_flood_refuses_a_broker_that_is_not_on_this_machine()
    {
        var settings = new CampaignSettings("secure", BrokerTarget.Parse("mqtts://broker.example.org:8883", null), AttackerSecrets.None);
        var runner = new FloodRunner(settings, new Victim(_actuator, null), NullLogger.Instance);
        Assert.True(FloodRequest.TryCreate(100, 1, "insider", "forged,replay", out var request, out _));

        var result = await runner.RunAsync(request, CancellationToken.None);

        Assert.NotNull(result);
        Assert.Equal("the flood only targets a broker on this machine (loopback)", result.Refusal);
        Assert.Equal(("insider", "forged,replay", "smarthome/readings/plug-garage", 100L, 0L), (result.Level, result.Mix, result.Topic, result.MessagesPlanned, result.MessagesSent));
        Assert.EndsWith("-flood", result.AttemptId, StringComparison.Ordinal);
        var status = runner.Status();
        Assert.Equal(("refused", false), (status.Phase, status.Running));
        Assert.Same(result, status.Last);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class ListLogger : ILogger
    {
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_lines)
            {
                _lines.Add(formatter(state, exception));
            }
        }
    }
}
