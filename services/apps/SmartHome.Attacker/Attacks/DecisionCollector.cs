using SmartHome.Contracts;

namespace SmartHome.Attacker;

/// <summary>
/// Reads the actuator's decision log every 2 s while a long flood runs: a minute-long flood makes more decisions than
/// the log keeps (a bounded ring), so they are read as they come rather than once at the end.
/// </summary>
internal sealed class DecisionCollector : IDisposable
{
    private readonly List<Decision> _collected = [];
    private readonly CancellationTokenSource _running;
    private readonly Task _collecting;
    private long _lastSeq;

    /// <summary>Starts collecting the decisions after <paramref name="startSeq"/>.</summary>
    public DecisionCollector(Victim victim, long startSeq, CancellationToken ct)
    {
        _lastSeq = startSeq;
        _running = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _collecting = Task.Run(async () =>
        {
            while (!_running.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), _running.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                var page = await victim.DecisionsAfterAsync(_lastSeq, ct).ConfigureAwait(false);
                if (page.Count > 0)
                {
                    _collected.AddRange(page);
                    _lastSeq = page[^1].Seq;
                }
            }
        }, ct);
    }

    /// <summary>Stops collecting; returns what was collected and the sequence number of the last of it (where to read on from).</summary>
    public async Task<(List<Decision> Decisions, long LastSeq)> StopAsync()
    {
        await _running.CancelAsync().ConfigureAwait(false);
        await _collecting.ConfigureAwait(false);
        return (_collected, _lastSeq);
    }

    public void Dispose() => _running.Dispose();
}
