using System.Buffers;
using System.Collections.Concurrent;
using SmartHome.Messaging;

namespace SmartHome.Attacker;

/// <summary>
/// The campaign's own instrument (not an attack capability): a connection that can reach the actuator, used for
/// sentinels (to know the victim has seen everything before judging) and to harvest captures of legit traffic. On the
/// secure pipeline it is the monitor account, i.e. what a compromised broker sees; with use_username_as_clientid there
/// is one such connection at a time, so attacks as the monitor close it first (it reconnects when next needed).
/// </summary>
internal sealed class ControlChannel(BrokerTarget broker, AttackerIdentities identities, Victim victim, string runId) : IAsyncDisposable
{
    private readonly List<string> _harvestedIds = [];
    private AttackSession? _session;

    /// <summary>Message ids of the legit readings this channel asked the sensor for while harvesting captures.</summary>
    public IReadOnlyList<string> HarvestedMessageIds => _harvestedIds;

    /// <summary>The open control connection, connecting (again) when it is closed or was dropped.</summary>
    public async Task<AttackSession> ConnectAsync(CancellationToken ct)
    {
        if (_session is { IsConnected: true })
        {
            return _session;
        }

        if (_session is not null)
        {
            await _session.DisposeAsync().ConfigureAwait(false);
        }

        _session = await AttackSession.ConnectAsync(broker, identities.Control(runId), ct).ConfigureAwait(false);
        if (!_session.IsConnected)
        {
            throw new InvalidOperationException($"The campaign's control connection was refused ({_session.Refusal}); check the users file.");
        }

        return _session;
    }

    /// <summary>Closes the connection (an attack is about to log in as the same user, or the campaign is over).</summary>
    public async Task CloseAsync()
    {
        if (_session is not null)
        {
            await _session.DisposeAsync().ConfigureAwait(false);
            _session = null;
        }
    }

    /// <summary>Publishes a uniquely labelled sentinel on <paramref name="topic"/>; returns its attempt id to wait for.</summary>
    public async Task<string> SendSentinelAsync(string topic, CancellationToken ct)
    {
        var sentinel = $"{runId}-sentinel-{Guid.NewGuid():N}";
        var control = await ConnectAsync(ct).ConfigureAwait(false);
        await control.PublishAsync(topic, "sentinel"u8.ToArray(), sentinel, retain: false, ct).ConfigureAwait(false);
        return sentinel;
    }

    /// <summary>
    /// Captures legit traffic the way the strongest observer of this pipeline can (insecure: anyone; secure: the
    /// compromised broker): subscribes, asks the sensor for <paramref name="count"/> readings, collects them and the
    /// retained key announcements.
    /// </summary>
    public async Task<List<Capture>> HarvestAsync(int count, CancellationToken ct)
    {
        var captures = new ConcurrentQueue<Capture>();
        var control = await ConnectAsync(ct).ConfigureAwait(false);
        control.Received = m => captures.Enqueue(new Capture(m.Topic, m.Payload.ToArray()));
        await control.SubscribeAsync(Topics.ReadingsFilter, ct).ConfigureAwait(false);
        await control.SubscribeAsync(Topics.KeysFilter, ct).ConfigureAwait(false);
        var ids = await victim.TriggerReadingsAsync(count, double.PositiveInfinity, ct).ConfigureAwait(false);
        _harvestedIds.AddRange(ids);
        // Without a sensor the pipeline's own steady readings are the captures: give them time to come.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(ids.Count > 0 ? 15 : Math.Max(15, count));
        while (captures.Count(c => Topics.IsReadingTopic(c.Topic)) < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, ct).ConfigureAwait(false);
        }

        await control.UnsubscribeAsync(Topics.ReadingsFilter, ct).ConfigureAwait(false);
        await control.UnsubscribeAsync(Topics.KeysFilter, ct).ConfigureAwait(false);
        control.Received = null;
        return captures.Where(c => c.Payload.Length > 0).ToList();
    }

    public async ValueTask DisposeAsync() => await CloseAsync().ConfigureAwait(false);
}
