using SmartHome.Contracts;

namespace SmartHome.Attacker;

/// <summary>One flood at a time; remembers the last result.</summary>
public sealed class FloodRunner(CampaignSettings settings, Victim victim, ILogger logger)
{
    private readonly FloodProgress _progress = new();
    private int _running;

    public FloodResult? Last { get; private set; }

    public bool Running => Volatile.Read(ref _running) == 1;

    /// <summary>Runs the flood; null when another flood is already running.</summary>
    public async Task<FloodResult?> RunAsync(FloodRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (Interlocked.CompareExchange(ref _running, 1, 0) != 0)
        {
            return null;
        }

        try
        {
            _progress.Begin(request);
            // A flood of its own: its run id labels its messages, and its connections and keys go with it.
            await using var context = new AttackContext(settings, victim, logger);
            var result = await new SustainedFlood(context).RunAsync(request, _progress, ct).ConfigureAwait(false);
            Last = result;
            _progress.End(result.Refusal is not null ? "refused" : result.Completed ? "done" : "stopped");
            return result;
        }
        catch
        {
            _progress.End("failed");
            throw;
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    public FloodStatus Status()
    {
        var request = _progress.Request;
        return new FloodStatus(Running, _progress.Phase, _progress.Sent, _progress.ElapsedSeconds, request?.RatePerSecond ?? 0,
            request?.Seconds ?? 0, _progress.AttemptId, Last);
    }
}
