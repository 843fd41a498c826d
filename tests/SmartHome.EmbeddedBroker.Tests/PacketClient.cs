using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.LowLevelClient;
using MQTTnet.Packets;

namespace SmartHome.EmbeddedBroker.Tests;

/// <summary>
/// An MQTT 5 client at packet level (MQTTnet's low-level client, plain TCP): sends exactly the packets a test builds
/// and records every packet the broker sends, acknowledging nothing unless told to. A background loop reads, so a wait
/// with a timeout never cancels a read half-way through a packet.
/// </summary>
internal sealed class PacketClient : IAsyncDisposable
{
    private readonly ILowLevelMqttClient _client = new MqttClientFactory().CreateLowLevelMqttClient();
    private readonly Channel<MqttPacket?> _inbox = Channel.CreateUnbounded<MqttPacket?>();
    private Task _reader = Task.CompletedTask;

    /// <summary>True once the broker closed the connection.</summary>
    public bool Closed { get; private set; }

    public MqttConnAckPacket ConnAck { get; private set; } = null!;

    public static async Task<PacketClient> ConnectAsync(BrokerTarget target, MqttConnectPacket connect)
    {
        if (target.Tls)
        {
            throw new ArgumentException("PacketClient speaks plain TCP; use the insecure listener.", nameof(target));
        }

        var client = new PacketClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", target.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(4))
            .Build();
        await client._client.ConnectAsync(options);
        client._reader = client.ReadAsync();
        await client.SendAsync(connect);
        client.ConnAck = await client.ReceiveAsync(TimeSpan.FromSeconds(4)) as MqttConnAckPacket
                         ?? throw new InvalidOperationException("no CONNACK");
        return client;
    }

    public static MqttConnectPacket Connect(string clientId) => new()
    {
        ClientId = clientId,
        CleanSession = true,
        KeepAlivePeriod = 60,
    };

    public Task SendAsync(MqttPacket packet) => _client.SendAsync(packet);

    /// <summary>Sends, and reports (instead of throwing) that the broker had already closed the connection.</summary>
    public async Task<bool> TrySendAsync(MqttPacket packet)
    {
        try
        {
            await _client.SendAsync(packet);
            return true;
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or IOException or System.Net.Sockets.SocketException
                                       or OperationCanceledException)
        {
            // MQTTnet reports a send cut off by the broker's close as cancelled when the close wins the race (seen under load).
            return false;
        }
    }

    /// <summary>The next packet, or null when none came within <paramref name="timeout"/> or the connection is closed.</summary>
    public async Task<MqttPacket?> ReceiveAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            return await _inbox.Reader.ReadAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>Every packet that arrives until nothing more comes for <paramref name="quiet"/>.</summary>
    public async Task<List<MqttPacket>> ReceiveUntilQuietAsync(TimeSpan quiet)
    {
        var packets = new List<MqttPacket>();
        while (await ReceiveAsync(quiet) is { } packet)
        {
            packets.Add(packet);
        }

        return packets;
    }

    /// <summary>What the broker did after the last packet: "disconnect(REASON)" and/or "closed", or "open".</summary>
    public async Task<string> EndingAsync(TimeSpan wait)
    {
        var seen = new List<string>();
        while (await ReceiveAsync(wait) is { } packet)
        {
            seen.Add(packet is MqttDisconnectPacket disconnect ? $"disconnect({disconnect.ReasonCode})" : packet.GetType().Name);
        }

        seen.Add(Closed ? "closed" : "open");
        return string.Join(' ', seen);
    }

    private async Task ReadAsync()
    {
        try
        {
            while (true)
            {
                var packet = await _client.ReceiveAsync();
                if (packet is null)
                {
                    break;
                }

                await _inbox.Writer.WriteAsync(packet);
            }
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or IOException or ObjectDisposedException
                                       or System.Net.Sockets.SocketException or InvalidOperationException or OperationCanceledException)
        {
            // The broker closed the connection (or reset it).
        }

        Closed = true;
        _inbox.Writer.TryComplete();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!Closed)
            {
                await _client.SendAsync(new MqttDisconnectPacket());
            }

            await _client.DisconnectAsync();
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or IOException or ObjectDisposedException
                                       or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            // already gone
        }

        await _reader;
        _client.Dispose();
    }
}
