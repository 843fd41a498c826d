using System.Net;
using System.Net.Sockets;
using MQTTnet.Exceptions;
using SmartHome.EmbeddedBroker;

namespace SmartHome.Report.Tests;

public sealed class BrokerHopTests
{
    [Fact]
    public async Task Every_message_is_timed_once_through_a_real_broker()
    {
        var port = FreePort();
        await using var broker = await EmbeddedMqttBroker.StartAsync(
            MosquittoConf.Parse([$"listener {port} 127.0.0.1", "allow_anonymous true"]), TextWriter.Null);

        var hop = await BrokerHop.MeasureAsync("127.0.0.1", port, count: 300, rate: 1000, concurrency: 4, CancellationToken.None);

        Assert.Equal(300, hop.Sent);
        Assert.Equal(300, hop.Received);
        Assert.Equal($"127.0.0.1:{port}", hop.Broker);
        Assert.InRange(hop.P50Ms, 0.001, hop.P99Ms);
        Assert.InRange(hop.P99Ms, hop.P50Ms, hop.MaxMs);
    }

    [Fact]
    public async Task The_hop_at_saturation_counts_every_message_and_the_cpu_it_took()
    {
        var port = FreePort();
        await using var broker = await EmbeddedMqttBroker.StartAsync(
            MosquittoConf.Parse([$"listener {port} 127.0.0.1", "allow_anonymous true"]), TextWriter.Null);

        // The embedded broker runs in this process, so this process stands in for the broker's pid: its CPU is read from /proc.
        var capacity = await BrokerHop.MeasureCapacityAsync("127.0.0.1", port, count: 2000, concurrency: 8, Environment.ProcessId, CancellationToken.None);
        var withoutPid = await BrokerHop.MeasureCapacityAsync("127.0.0.1", port, count: 500, concurrency: 8, brokerPid: null, CancellationToken.None);

        Assert.Equal((2000, 2000, 8), (capacity.Sent, capacity.Received, capacity.Concurrency));
        Assert.Equal(capacity.Received / capacity.Seconds, capacity.MessagesPerSecond, 0.5);
        Assert.True(capacity.ClientCpuUsPerMessage > 0, $"client {capacity.ClientCpuUsPerMessage} µs");
        Assert.NotNull(capacity.BrokerCpuUsPerMessage);
        Assert.Equal(capacity.ClientCpuUsPerMessage + capacity.BrokerCpuUsPerMessage!.Value, capacity.CpuUsPerMessage, 9);
        Assert.Null(withoutPid.BrokerCpuUsPerMessage);
        Assert.Equal(withoutPid.ClientCpuUsPerMessage, withoutPid.CpuUsPerMessage, 9);
    }

    [Fact]
    public async Task A_broker_that_is_not_there_is_an_error_not_a_result()
    {
        var port = FreePort(); // nothing listens on it
        await Assert.ThrowsAnyAsync<MqttCommunicationException>(() =>
            BrokerHop.MeasureAsync("127.0.0.1", port, count: 10, rate: 1000, concurrency: 1, CancellationToken.None));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
