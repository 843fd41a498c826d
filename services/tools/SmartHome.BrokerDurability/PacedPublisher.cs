using System.Diagnostics;
using MQTTnet;
using MQTTnet.Protocol;

namespace SmartHome.BrokerDurability;

/// <summary>Publishes QoS 1 messages at a steady rate and records each PUBACK's round trip.</summary>
internal sealed class PacedPublisher(IMqttClient client, string topic, int payloadBytes)
{
    public async Task<PublishRun> RunAsync(int rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var count = (int)(rate * duration.TotalSeconds);
        var latencies = new double[count];
        var failed = 0;
        var acknowledged = new bool[count];
        var payload = new byte[payloadBytes];
        Random.Shared.NextBytes(payload);
        using var inFlight = new SemaphoreSlim(1000);
        var tasks = new List<Task>(count);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed, cancellationToken).ConfigureAwait(false);
            }

            await inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
            var index = i;
            tasks.Add(Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    var result = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic)
                        .WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                        .WithUserProperty("n", System.Text.Encoding.UTF8.GetBytes(index.ToString(System.Globalization.CultureInfo.InvariantCulture)).AsMemory()).Build(), cancellationToken).ConfigureAwait(false);
                    if (!result.IsSuccess)
                    {
                        Interlocked.Increment(ref failed);
                    }
                    else
                    {
                        acknowledged[index] = true;
                    }
                }
                catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException or InvalidOperationException)
                {
                    // The broker was killed under it, or the client is no longer connected.
                    Interlocked.Increment(ref failed);
                }
                finally
                {
                    latencies[index] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    inFlight.Release();
                }
            }, cancellationToken));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        return new PublishRun(count, failed, clock.Elapsed, latencies, acknowledged);
    }
}

internal sealed record PublishRun(int Sent, int Failed, TimeSpan Elapsed, double[] LatenciesMs, bool[] Acknowledged)
{
    public double AchievedRate => Sent / Elapsed.TotalSeconds;

    /// <summary>Latencies of the acknowledged publishes only (a publish cut off by a killed broker has no round trip).</summary>
    private IEnumerable<double> AcknowledgedLatencies => LatenciesMs.Where((_, i) => Acknowledged[i]);

    public double Percentile(double p)
    {
        var sorted = AcknowledgedLatencies.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p / 100 * sorted.Length) - 1)];
    }
}
