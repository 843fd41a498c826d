using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Protocol;

namespace SmartHome.Messaging.Tests;

/// <summary>The reconnecting connection against a broker (the host's Mosquitto, else the embedded one) that is killed and restarted.</summary>
public sealed class MqttConnectionTests
{
    [Fact]
    public async Task Publisher_and_subscriber_survive_a_broker_restart()
    {
        await using var broker = new TestBroker();
        await broker.StartAsync();
        var received = new ConcurrentQueue<string>();
        await using var subscriber = NewConnection(broker, "sub");
        subscriber.Subscribe("lab/#");
        subscriber.MessageReceived = args =>
        {
            received.Enqueue(args.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        await using var publisher = NewConnection(broker, "pub");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await subscriber.StartAsync(timeout.Token);
        await publisher.StartAsync(timeout.Token);

        await publisher.PublishAsync(Message("before"), timeout.Token);
        await WaitForAsync(() => received.Contains("before"), timeout.Token);

        await broker.KillAsync();
        Assert.False(await PortOpenAsync(broker.Port), "the killed broker no longer listens");
        await WaitForAsync(() => !publisher.IsConnected && !subscriber.IsConnected, timeout.Token);
        // A publish while the broker is down waits for the reconnect instead of failing.
        var pending = publisher.PublishAsync(Message("during"), timeout.Token);
        await Task.Delay(300, timeout.Token);
        Assert.False(pending.IsCompleted);

        await broker.StartAsync();
        await pending; // delivered to the broker once reconnected
        await subscriber.WaitConnectedAsync(timeout.Token);
        // The restarted broker has no session for the subscriber; the connection re-subscribed by itself.
        await publisher.PublishAsync(Message("after"), timeout.Token);
        await WaitForAsync(() => received.Contains("after"), timeout.Token);
        Assert.True(publisher.Reconnects >= 1);
        Assert.True(subscriber.Reconnects >= 1);
    }

    [Fact]
    public async Task Unreachable_broker_is_reported_not_thrown()
    {
        await using var broker = new TestBroker(); // never started: nothing listens on its port
        await using var connection = NewConnection(broker, "lonely");
        using var shortWait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => connection.StartAsync(shortWait.Token));
        Assert.False(connection.IsConnected);
        Assert.False(string.IsNullOrEmpty(connection.LastError));
    }

    [Fact]
    public void Bad_connection_strings_fail_fast_with_a_clear_message()
    {
        var options = new MqttConnectionOptions { ConnectionString = "http://example", ClientId = "x" };
        var error = Assert.Throws<FormatException>(() => options.ParseEndpoint());
        Assert.Contains("mqtt://host:port", error.Message);
        Assert.Equal(("broker", 8883, true), new MqttConnectionOptions { ConnectionString = "mqtts://broker" }.ParseEndpoint());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Each_packet_goes_out_in_one_write_header_and_payload_together(bool useTls)
    {
        // MQTTnet's default writes a packet's header and payload in two calls: two send system calls (two TLS records) per
        // message, which the pipelines' latency and CPU per reading pay for (docs/RESULTS.md).
        await using var broker = new TestBroker(); // not started: only the options are read
        await using var connection = NewConnection(broker, "options");

        Assert.False(connection.BuildClientOptions("127.0.0.1", broker.Port, useTls).AllowPacketFragmentation);
    }

    private static MqttConnection NewConnection(TestBroker broker, string name) =>
        new(new MqttConnectionOptions
        {
            ConnectionString = broker.ConnectionString,
            ClientId = $"{name}-{Guid.NewGuid():N}",
            MinBackoff = TimeSpan.FromMilliseconds(50),
            MaxBackoff = TimeSpan.FromMilliseconds(500),
        }, NullLogger.Instance);

    private static MqttApplicationMessage Message(string text) => new MqttApplicationMessageBuilder()
        .WithTopic("lab/test").WithPayload(text).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    private static async Task<bool> PortOpenAsync(int port)
    {
        try
        {
            using var probe = new System.Net.Sockets.TcpClient();
            await probe.ConnectAsync(System.Net.IPAddress.Loopback, port);
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(25, cancellationToken);
        }
    }
}
