using SmartHome.Messaging;
using SmartHome.ServiceDefaults;
using Attr = SmartHome.ServiceDefaults.SmartHomeTelemetry.Attributes;

namespace SmartHome.Actuator;

/// <summary>
/// Publishes the acknowledgements of <see cref="AckQueue"/> on each device's acknowledgement topic. Takes whatever
/// has queued up (group commit): one fsync of the <see cref="AppliedJournal"/> for all of it, before any of it is
/// acknowledged, and up to <see cref="AckBody.MaxEntries"/> readings of one device per message, so one DSA signature
/// covers a batch under load while a lone reading is acknowledged at once.
/// </summary>
public sealed partial class AckPublisher(AckQueue queue, AppliedJournal journal, IAckProtection protection, ActuatorWorker worker,
    ILogger<AckPublisher> logger) : BackgroundService
{
    private const int MaxDrain = 1024;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var pipelineTag = new KeyValuePair<string, object?>(Attr.Pipeline, worker.Pipeline);
        var batch = new List<(string DeviceId, AckEntry Entry)>(MaxDrain);
        try
        {
            while (await queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < MaxDrain && queue.Reader.TryRead(out var item))
                {
                    batch.Add(item);
                }

                // Durable before acknowledged: an acknowledged reading is never applied again, even after a power loss.
                journal.Flush();
                foreach (var group in batch.GroupBy(b => b.DeviceId, StringComparer.Ordinal))
                {
                    foreach (var chunk in group.Select(g => g.Entry).Chunk(AckBody.MaxEntries))
                    {
                        try
                        {
                            var message = protection.Seal(group.Key, AckBody.Encode(chunk));
                            await worker.PublishAsync(message, stoppingToken).ConfigureAwait(false);
                            SmartHomeTelemetry.AcksPublished.Add(chunk.Length, pipelineTag);
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException)
                        {
                            // Lost acknowledgements only cost retransmissions; the device re-sends and is acknowledged again.
                            LogAckFailed(logger, group.Key, chunk.Length, ex.Message);
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    [LoggerMessage(LogLevel.Warning, "Acknowledging {Count} readings of {DeviceId} failed: {Error}; the device will retransmit them")]
    private static partial void LogAckFailed(ILogger logger, string deviceId, int count, string error);
}
