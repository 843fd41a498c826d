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
