using System.Diagnostics;

namespace SmartHome.Sensor;

/// <summary>Publishes N readings round-robin over the devices at a target rate (or as fast as possible).</summary>
public static class BurstPublisher
{
    /// <summary>The device that publishes reading <paramref name="index"/> of a run (round robin).</summary>
    public static SimulatedDevice DeviceFor(IReadOnlyList<SimulatedDevice> devices, int index) => devices[index % devices.Count];

    /// <param name="concurrency">
    /// Publishes in flight at once (1 = each QoS 1 publish awaits its PUBACK before the next starts, the default).
    /// Publishes are always started in order from one loop, so a device's session-key announcement goes on the wire
    /// before any data sealed under that key.
    /// </param>
    public static async Task<IReadOnlyList<string>> PublishAsync(SensorPublisher publisher, int count, double ratePerSecond,
        CancellationToken cancellationToken, int concurrency = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        var ids = new string[count];
        var devices = publisher.Home.Devices;
        var clock = Stopwatch.StartNew();
        using var slots = new SemaphoreSlim(concurrency, concurrency);
        var inFlight = new List<Task>(concurrency > 1 ? count : 0);
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

            if (concurrency == 1)
            {
                ids[i] = await publisher.PublishReadingAsync(DeviceFor(devices, i), cancellationToken).ConfigureAwait(false);
                continue;
            }

            await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            inFlight.Add(PublishOneAsync(publisher, DeviceFor(devices, i), ids, i, slots, cancellationToken));
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
        return ids;
    }

    private static async Task PublishOneAsync(SensorPublisher publisher, SimulatedDevice device, string[] ids, int index,
        SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            ids[index] = await publisher.PublishReadingAsync(device, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            slots.Release();
        }
    }
}
