using System.Buffers;
using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using SmartHome.EmbeddedBroker;
using SmartHome.Messaging;
using SmartHome.Messaging.Secure;
using SmartHome.Security;

namespace SmartHome.Sensor.Tests;

/// <summary>
/// A reading sealed under a session key whose announcement the actuator never got (taken by a broker that crashed before
/// delivering or saving it) is refused as unknown-key; its retransmission starts a new key, and the actuator applies it.
/// Renewals of one device are spaced by a doubling wait that an accepted acknowledgement resets.
/// </summary>
public sealed class SessionRenewalTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("shsensor-renew-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public void Renewals_of_a_device_are_spaced_by_a_doubling_wait_that_an_acknowledgement_resets()
    {
        var clock = new ManualClock();
        var renewal = new SessionRenewal(new OutboxOptions { RetryInitialSeconds = 2, RetryMaxSeconds = 5 }, clock);
        Assert.True(renewal.ShouldRenewBeforeRetransmission("door-front"));
        Assert.False(renewal.ShouldRenewBeforeRetransmission("door-front"));
        Assert.True(renewal.ShouldRenewBeforeRetransmission("temp-living")); // devices are independent

        clock.Advance(TimeSpan.FromSeconds(1.9));
        Assert.False(renewal.ShouldRenewBeforeRetransmission("door-front"));
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(renewal.ShouldRenewBeforeRetransmission("door-front")); // after 2 s; the next wait is 4 s
        clock.Advance(TimeSpan.FromSeconds(3.9));
        Assert.False(renewal.ShouldRenewBeforeRetransmission("door-front"));
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(renewal.ShouldRenewBeforeRetransmission("door-front")); // next wait: 8 s, capped at 5 s
        clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(renewal.ShouldRenewBeforeRetransmission("door-front"));
        clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(renewal.ShouldRenewBeforeRetransmission("door-front"));

        renewal.Acknowledged("door-front"); // the actuator hears the device again: back to the first wait
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.True(renewal.ShouldRenewBeforeRetransmission("door-front"));
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("modern")]
    public async Task A_reading_whose_key_announcement_was_lost_is_applied_after_its_retransmission(string suite)
    {
        const string device = "temp-living";
        var keys = new KeyPaths(Path.Combine(_work, "keys"));
        KeyMaterialGenerator.Generate(keys, new KeyGenOptions { Devices = [device], ServiceUsers = ["actuator"] });
        var port = MosquittoProcess.FreePort();
        await using var broker = await EmbeddedMqttBroker.StartAsync(MosquittoConf.Parse([$"listener {port} 127.0.0.1", "allow_anonymous true"]));
        var config = Configuration(keys, port, suite, "sensor");
        var actuatorConfig = Configuration(keys, port, suite, "actuator");

        // The actuator's side: the real receiver, which never gets the device's first announcement.
        using var receiver = (IDisposable)ProtectionFactory.ForActuator("secure", actuatorConfig, ProtectionFactory.LoadRegistry(actuatorConfig));
        var actuatorProtection = (IMessageProtection)receiver;
        var verdicts = new ConcurrentQueue<InboundVerdict>();
        var announcementsSeen = 0;
        await using var actuator = BrokerClientFactory.Create(actuatorConfig, "actuator", "test-actuator", NullLogger.Instance);
        actuator.Subscribe(Topics.ReadingsFilter);
        actuator.Subscribe(Topics.KeysFilter);
        actuator.MessageReceived = args =>
        {
            var message = args.ApplicationMessage;
            if (message.Topic == Topics.Keys(device) && Interlocked.Increment(ref announcementsSeen) == 1)
            {
                return Task.CompletedTask; // lost with the crashed broker
            }

            verdicts.Enqueue(actuatorProtection.Unprotect(message.Topic, message.Payload.ToArray()));
            return Task.CompletedTask;
        };
        await actuator.StartAsync(CancellationToken.None);
        await actuator.WaitConnectedAsync(CancellationToken.None);

        var outboxOptions = new OutboxOptions { RetryInitialSeconds = 0.2, RetryMaxSeconds = 1, Fsync = false };
        using var outbox = new SensorOutbox(Path.Combine(_work, "sensor-outbox.log"), outboxOptions, TimeProvider.System);
        var renewal = new SessionRenewal(outboxOptions, TimeProvider.System);
        using var sealing = (IDisposable)ProtectionFactory.ForSensor("secure", config, [device]);
        var acks = new AckHandler(outbox, ProtectionFactory.AcksForSensor("secure", config, [device]), new AckLog(), renewal, config,
            NullLogger<AckHandler>.Instance);
        var home = new HomeSimulator(new SensorOptions { Devices = [device] });
        await using var publisher = new SensorPublisher(home, (IMessageProtection)sealing, outbox, acks, renewal, config, NullLoggerFactory.Instance,
            TimeProvider.System);
        await publisher.StartAsync(CancellationToken.None);

        var messageId = await publisher.PublishReadingAsync(home.Devices[0], CancellationToken.None);
        var refused = await NextVerdictAsync(verdicts);
        Assert.Equal(SmartHome.Messaging.RejectReasons.UnknownKey, refused.Reason);

        // The outbox's retransmission, as OutboxRetransmitter sends it once the reading is due.
        await Task.Delay(TimeSpan.FromSeconds(0.5));
        var due = Assert.Single(outbox.TakeDue(10, out _));
        Assert.Equal(messageId, due.MessageId);
        await publisher.RetransmitAsync(due, CancellationToken.None);

        Assert.Equal(InboundKind.Control, (await NextVerdictAsync(verdicts)).Kind); // the new key's announcement
        var applied = await NextVerdictAsync(verdicts);
        Assert.Equal(InboundKind.Data, applied.Kind);
        using var reading = JsonDocument.Parse(applied.Plaintext);
        Assert.Equal(messageId, reading.RootElement.GetProperty("messageId").GetString());
        Assert.Equal(2, announcementsSeen);
    }

    private static async Task<InboundVerdict> NextVerdictAsync(ConcurrentQueue<InboundVerdict> verdicts)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            if (verdicts.TryDequeue(out var verdict))
            {
                return verdict;
            }

            await Task.Delay(10, timeout.Token);
        }
    }

    private IConfiguration Configuration(KeyPaths keys, int port, string suite, string role) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{BrokerClientFactory.ConnectionName}"] = $"mqtt://127.0.0.1:{port}",
            ["Pipeline"] = "secure",
            ["SmartHome:KeysDirectory"] = keys.Root,
            ["SmartHome:StateDirectory"] = Path.Combine(_work, role),
            [ProtectionFactory.SuiteKey] = suite,
        }).Build();

    private sealed class ManualClock : TimeProvider
    {
        private DateTimeOffset _now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
