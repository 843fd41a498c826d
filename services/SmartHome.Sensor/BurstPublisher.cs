using System.Diagnostics;

namespace SmartHome.Sensor;

/// <summary>Publishes N readings round-robin over the devices at a target rate (or as fast as possible).</summary>
public static class BurstPublisher
{
    public static async Task<IReadOnlyList<string>> PublishAsync(SensorPublisher publisher, int count, double ratePerSecond,
        CancellationToken cancellationToken)
    {
        var ids = new List<string>(count);
        var devices = publisher.Home.Devices;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            if (!double.IsPositiveInfinity(ratePerSecond))
            {
                // Pace against the start time, not the previous send, so jitter does not accumulate.
                var due = TimeSpan.FromSeconds(i / ratePerSecond);
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
            }

            ids.Add(await publisher.PublishReadingAsync(devices[i % devices.Count], cancellationToken).ConfigureAwait(false));
        }

        return ids;
    }
}
