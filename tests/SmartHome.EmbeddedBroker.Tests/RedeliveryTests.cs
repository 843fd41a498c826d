using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace SmartHome.EmbeddedBroker.Tests;

/// <summary>
/// A QoS 1 message a persistent session received and never acknowledged comes again on the client's next connection,
/// marked DUP, as Mosquitto sends it. The insecure actuator tells a redelivery from a new message by that mark alone.
/// </summary>
public sealed class RedeliveryTests
{
    [Fact]
    public async Task The_embedded_broker_marks_an_unacknowledged_message_DUP_when_it_sends_it_again()
    {
        var port = MosquittoProcess.FreePort();
        await using var broker = await EmbeddedMqttBroker.StartAsync(
            MosquittoConf.Parse([$"listener {port} 127.0.0.1", "allow_anonymous true"]), TextWriter.Null);
        await AssertRedeliveredWithDupAsync(port);
    }

    [ToolFact("mosquitto")]
    public async Task Mosquitto_marks_an_unacknowledged_message_DUP_when_it_sends_it_again()
    {
        var port = MosquittoProcess.FreePort();
        var directory = Directory.CreateTempSubdirectory("smarthome-redelivery-").FullName;
        try
        {
            var config = Path.Combine(directory, "mosquitto.conf");
            await File.WriteAllTextAsync(config, $"listener {port} 127.0.0.1\nallow_anonymous true\nuser {Environment.UserName}\n");
            await using var broker = await MosquittoProcess.StartAsync(HostTools.Find("mosquitto")!, config, port);
            await AssertRedeliveredWithDupAsync(port);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task AssertRedeliveredWithDupAsync(int port)
    {
        var factory = new MqttClientFactory();
        var topic = "smarthome/readings/redelivery-" + Guid.NewGuid().ToString("N")[..8];
        var received = new ConcurrentQueue<(string Payload, bool Dup)>();
        MqttClientOptions Consumer() => factory.CreateClientOptionsBuilder().WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithClientId("redelivery-consumer")
            .WithCleanStart(false).WithSessionExpiryInterval(3600).Build();

        using var consumer = factory.CreateMqttClient();
        consumer.ApplicationMessageReceivedAsync += e =>
        {
            // Never acknowledged: as if the receiver stalled before it could answer.
            e.AutoAcknowledge = false;
            received.Enqueue((e.ApplicationMessage.ConvertPayloadToString(), e.ApplicationMessage.Dup));
            return Task.CompletedTask;
        };
        await consumer.ConnectAsync(Consumer());
        await consumer.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        using (var publisher = factory.CreateMqttClient())
        {
            await publisher.ConnectAsync(factory.CreateClientOptionsBuilder().WithTcpServer("127.0.0.1", port)
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build());
            await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes("m1"))
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            await publisher.DisconnectAsync();
        }

        await WaitForAsync(() => received.Count >= 1);
        await consumer.DisconnectAsync();
        await consumer.ConnectAsync(Consumer());
        await WaitForAsync(() => received.Count >= 2);
        await consumer.DisconnectAsync();

        Assert.Equal([("m1", false), ("m1", true)], received.ToArray());
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < until, "the message did not arrive within 10 s");
            await Task.Delay(20);
        }
    }
}
