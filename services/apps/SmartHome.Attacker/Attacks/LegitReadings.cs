namespace SmartHome.Attacker;

/// <summary>
/// The legit readings the sensor sends while a long flood lasts (announcement-flood): the traffic whose latency and
/// loss say whether the flood denied service. Counts the batches the sensor could not publish.
/// </summary>
internal sealed class LegitReadings(Victim victim)
{
    /// <summary>Legit readings per second the sensor publishes while the flood lasts.</summary>
    public const int PerSecond = 50;

    private int _failedBatches;

    /// <summary>Batches of readings the sensor could not be asked for (left out of the accounting).</summary>
    public int FailedBatches => Volatile.Read(ref _failedBatches);

    /// <summary>
    /// Asks the sensor for <paramref name="count"/> legit readings at <see cref="PerSecond"/>, five seconds' worth per
    /// request (one request for a minute-long flood would outlast the HTTP timeout). A batch the sensor could not publish
    /// is left out of the accounting: it never reached the broker, so it says nothing about the actuator.
    /// </summary>
    public async Task<List<(string MessageId, string? DeviceId)>> RequestAsync(int count, CancellationToken ct)
    {
        var readings = new List<(string MessageId, string? DeviceId)>(count);
        for (var left = count; left > 0; left -= 5 * PerSecond)
        {
            try
            {
                readings.AddRange(await victim.TriggerReadingsByDeviceAsync(Math.Min(left, 5 * PerSecond), PerSecond, ct).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
            {
                Interlocked.Increment(ref _failedBatches);
            }
        }

        return readings;
    }
}
