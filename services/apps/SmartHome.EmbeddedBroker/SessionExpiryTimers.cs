using System.Collections.Concurrent;

namespace SmartHome.EmbeddedBroker;

/// <summary>
/// MQTT 5 Session Expiry for offline sessions. MQTTnet.Server keeps every persistent session until the process ends;
/// Mosquitto 2.0.11 (session_expiry.c) discards a session N seconds after its client went offline, N being the
/// Session Expiry Interval of the CONNECT (or of the DISCONNECT, when that sets one); 0xFFFFFFFF and MQTT 3.1.1
/// clean-session-false sessions never expire. One timer per offline client id; a reconnect cancels it, or waits
/// for a deletion already under way so the new connection never sees a half-deleted session.
/// </summary>
public sealed class SessionExpiryTimers : IAsyncDisposable
{
    private readonly Func<string, Task> _deleteSession;
    private readonly ConcurrentDictionary<string, ExpiryTimer> _timers = new(StringComparer.Ordinal);

    private sealed class ExpiryTimer
    {
        public CancellationTokenSource Cancel { get; } = new();

        public Task Expiry { get; set; } = Task.CompletedTask;
    }

    private bool _disposed;

    public SessionExpiryTimers(Func<string, Task> deleteSession) => _deleteSession = deleteSession;

    /// <summary>The client went offline with a persistent session that expires after <paramref name="seconds"/>.</summary>
    public void Start(string clientId, uint seconds)
    {
        if (seconds is 0 or uint.MaxValue || Volatile.Read(ref _disposed))
        {
            return;
        }

        var timer = new ExpiryTimer();
        if (_timers.TryRemove(clientId, out var previous))
        {
            previous.Cancel.Cancel();
        }

        _timers[clientId] = timer;
        timer.Expiry = ExpireAsync(clientId, TimeSpan.FromSeconds(seconds), timer);
    }

    /// <summary>The client is connecting again: its session must survive, or be gone completely.</summary>
    public async Task StopAsync(string clientId)
    {
        if (_timers.TryRemove(clientId, out var timer))
        {
            await timer.Cancel.CancelAsync().ConfigureAwait(false);
            await timer.Expiry.ConfigureAwait(false);
            timer.Cancel.Dispose();
        }
    }

    private async Task ExpireAsync(string clientId, TimeSpan after, ExpiryTimer timer)
    {
        try
        {
            await Task.Delay(after, timer.Cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        // The timer stays registered until the session is gone, so a reconnect (StopAsync) waits for the deletion.
        await _deleteSession(clientId).ConfigureAwait(false);
        if (_timers.TryRemove(new KeyValuePair<string, ExpiryTimer>(clientId, timer)))
        {
            timer.Cancel.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Volatile.Write(ref _disposed, true);
        foreach (var clientId in _timers.Keys.ToList())
        {
            if (_timers.TryRemove(clientId, out var timer))
            {
                await timer.Cancel.CancelAsync().ConfigureAwait(false);
                await timer.Expiry.ConfigureAwait(false);
                timer.Cancel.Dispose();
            }
        }
    }
}
