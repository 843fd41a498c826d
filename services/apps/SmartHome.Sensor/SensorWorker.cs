using Microsoft.Extensions.Options;

namespace SmartHome.Sensor;

/// <summary>Connects every device, then publishes at the configured steady rate, round-robin over devices.</summary>
public sealed partial class SensorWorker(SensorPublisher publisher, IOptions<SensorOptions> options, ILogger<SensorWorker> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await publisher.StartAsync(stoppingToken).ConfigureAwait(false);
        var rate = options.Value.ReadingsPerSecond;
        LogStarted(logger, publisher.Home.Devices.Count, rate);
        if (rate <= 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / rate));
        var next = 0;
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var device = publisher.Home.Devices[next++ % publisher.Home.Devices.Count];
            try
            {
                await publisher.PublishReadingAsync(device, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // One failed reading must not stop the home; the connection retries by itself.
                LogPublishFailed(logger, device.DeviceId, ex.Message);
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Sensor publishing for {DeviceCount} devices at {Rate} readings/s")]
    private static partial void LogStarted(ILogger logger, int deviceCount, double rate);

    [LoggerMessage(LogLevel.Warning, "Publishing a reading of {DeviceId} failed: {Error}")]
    private static partial void LogPublishFailed(ILogger logger, string deviceId, string error);
}
