using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace SmartHome.Report;

/// <summary>
/// The latency floor under both pipelines: one raw MQTT hop through a broker, QoS 1, with nothing of the pipelines'
/// work (no crypto, JSON, spans, decision log or HTTP). Publisher and subscriber live in this process, so one
/// <see cref="Stopwatch"/> timestamps both ends.
/// </summary>
public static class BrokerHop
{
    /// <summary>Payload size: a timestamp, a sequence number and padding.</summary>
    public const int PayloadBytes = 200;

    private const int HeaderBytes = sizeof(long) + sizeof(int);

    /// <summary>
    /// Publishes <paramref name="count"/> messages at <paramref name="rate"/>/s (paced against the start, like the sensor's burst)
    /// with <paramref name="concurrency"/> QoS 1 publishes in flight, and measures each one's arrival at the subscriber.
    /// </summary>
    public static async Task<BrokerHopResult> MeasureAsync(string host, int port, int count, double rate, int concurrency, CancellationToken ct)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        var factory = new MqttClientFactory();
        var run = Guid.NewGuid().ToString("N")[..12];
        var topic = $"smarthome/report/broker-hop/{run}";
        var latenciesMs = new double[count];
        var arrived = new bool[count];
        var received = 0;
        var lastArrival = Stopwatch.StartNew();

        using var subscriber = factory.CreateMqttClient();
        using var publisher = factory.CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            var now = Stopwatch.GetTimestamp();
            var payload = e.ApplicationMessage.Payload;
            if (payload.Length >= HeaderBytes)
            {
                Span<byte> header = stackalloc byte[HeaderBytes];
                payload.Slice(0, HeaderBytes).CopyTo(header);
                var sentAt = BinaryPrimitives.ReadInt64BigEndian(header);
                var index = BinaryPrimitives.ReadInt32BigEndian(header[sizeof(long)..]);
                // A QoS 1 redelivery is counted once, at its first arrival.
                if ((uint)index < (uint)count && !arrived[index])
                {
                    arrived[index] = true;
                    latenciesMs[index] = Stopwatch.GetElapsedTime(sentAt, now).TotalMilliseconds;
                    Interlocked.Increment(ref received);
                    lastArrival.Restart();
                }
            }

            return Task.CompletedTask;
        };

        await subscriber.ConnectAsync(Options(factory, host, port, $"report-hop-sub-{run}"), ct).ConfigureAwait(false);
        await subscriber.SubscribeAsync(factory.CreateSubscribeOptionsBuilder()
            .WithTopicFilter(f => f.WithTopic(topic).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)).Build(), ct).ConfigureAwait(false);
        await publisher.ConnectAsync(Options(factory, host, port, $"report-hop-pub-{run}"), ct).ConfigureAwait(false);

        using var slots = new SemaphoreSlim(concurrency, concurrency);
        var inFlight = new List<Task>(concurrency > 1 ? count : 0);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var wait = TimeSpan.FromSeconds(i / rate) - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, ct).ConfigureAwait(false);
            }

            await slots.WaitAsync(ct).ConfigureAwait(false);
            var publish = PublishOneAsync(publisher, topic, i, slots, ct);
            if (concurrency == 1)
            {
                await publish.ConfigureAwait(false);
            }
            else
            {
                inFlight.Add(publish);
            }
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);

        // Wait for the tail: everything arrived, or nothing new for 5 s.
        while (Volatile.Read(ref received) < count && lastArrival.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(50, ct).ConfigureAwait(false);
        }

        await publisher.DisconnectAsync(cancellationToken: ct).ConfigureAwait(false);
        await subscriber.DisconnectAsync(cancellationToken: ct).ConfigureAwait(false);

        var samples = latenciesMs.Where((_, i) => arrived[i]).ToList();
        var stats = LatencyStats.Compute(samples);
        return new BrokerHopResult($"{host}:{port}", count, samples.Count, PayloadBytes, rate, stats.P50Ms, stats.P99Ms, stats.MeanMs, stats.MaxMs);
    }

    /// <summary>
    /// The hop's CPU cost at saturation: <paramref name="count"/> messages as fast as <paramref name="concurrency"/> QoS 1
    /// publishes in flight allow, timed, with this process's CPU time (publisher and subscriber) and the broker's (from /proc, when
    /// <paramref name="brokerPid"/> is known). Run it when nothing else in this process is busy: its CPU time is all counted.
    /// </summary>
    public static async Task<BrokerHopCapacity> MeasureCapacityAsync(string host, int port, int count, int concurrency, int? brokerPid,
        CancellationToken ct)
    {
        using var self = Process.GetCurrentProcess();
        var clientBefore = self.TotalProcessorTime;
        var brokerBefore = brokerPid is { } before ? MachineInfo.ProcCpuMs(before) : null;
        var wall = Stopwatch.StartNew();
        var hop = await MeasureAsync(host, port, count, double.PositiveInfinity, concurrency, ct).ConfigureAwait(false);
        var seconds = wall.Elapsed.TotalSeconds;
        self.Refresh();
        var clientMs = (self.TotalProcessorTime - clientBefore).TotalMilliseconds;
        var brokerMs = brokerPid is { } after && brokerBefore is { } b0 && MachineInfo.ProcCpuMs(after) is { } b1 ? b1 - b0 : (double?)null;
        double PerMessage(double ms) => hop.Received == 0 ? 0 : ms * 1000 / hop.Received;
        return new BrokerHopCapacity(hop.Broker, hop.Sent, hop.Received, concurrency, seconds,
            seconds > 0 ? hop.Received / seconds : 0, PerMessage(clientMs), brokerMs is { } ms ? PerMessage(ms) : null);
    }

    /// <summary>The broker refused or dropped the hop's clients, or timed out: the hop is not measured, and the report says so.</summary>
    public static bool IsUnreachable(Exception exception) =>
        exception is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Adapter.MqttConnectingFailedException or TimeoutException;

    private static MqttClientOptions Options(MqttClientFactory factory, string host, int port, string clientId) =>
        factory.CreateClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithCleanStart(true)
            .WithoutPacketFragmentation() // as the pipeline services: one write per packet
            .Build();

    private static async Task PublishOneAsync(IMqttClient publisher, string topic, int index, SemaphoreSlim slots, CancellationToken ct)
    {
        try
        {
            var payload = new byte[PayloadBytes];
            BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(sizeof(long)), index);
            // Stamped last, just before the hand-over to the client, as the sensor stamps a reading before sealing it.
            BinaryPrimitives.WriteInt64BigEndian(payload, Stopwatch.GetTimestamp());
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            await publisher.PublishAsync(message, ct).ConfigureAwait(false);
        }
        finally
        {
            slots.Release();
        }
    }
}
