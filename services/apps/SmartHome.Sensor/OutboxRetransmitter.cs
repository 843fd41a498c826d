namespace SmartHome.Sensor;

/// <summary>
/// Sends again every reading that stayed unacknowledged past its backoff (and, after a restart, what the outbox
/// recovered), and drops those older than the outbox's age bound: a reported loss (metric, warning line).
/// </summary>
public sealed partial class OutboxRetransmitter(SensorOutbox outbox, SensorPublisher publisher, ILogger<OutboxRetransmitter> logger)
    : BackgroundService
{
    private const int BatchSize = 256;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (outbox.Recovered > 0)
        {
            LogRecovered(logger, outbox.Recovered, outbox.FilePath);
        }

        try
        {
            await publisher.StartAsync(stoppingToken).ConfigureAwait(false);
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            do
            {
                var due = outbox.TakeDue(BatchSize, out var expired);
                foreach (var entry in expired)
                {
                    SensorPublisher.ReportDropped(logger, entry, OutboxRemoval.DroppedExpired, publisher.Pipeline);
                }

                foreach (var entry in due)
                {
                    try
                    {
                        await publisher.RetransmitAsync(entry, stoppingToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException)
                    {
                        LogRetransmitFailed(logger, entry.MessageId, entry.DeviceId, ex.Message);
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down; what is pending stays in the outbox file
        }
    }

    [LoggerMessage(LogLevel.Information, "The outbox holds {Count} unacknowledged readings from an earlier run ({Path}); sending them again")]
    private static partial void LogRecovered(ILogger logger, int count, string path);

    [LoggerMessage(LogLevel.Warning, "Retransmitting reading {MessageId} of {DeviceId} failed: {Error}; it stays in the outbox")]
    private static partial void LogRetransmitFailed(ILogger logger, string messageId, string deviceId, string error);
}
