using System.Collections.Concurrent;
using MQTTnet.Packets;

namespace SmartHome.EmbeddedBroker.Persistence;

/// <summary>
/// What the store needs of each session that MQTTnet.Server does not expose: its username, how long it outlives its
/// connection, and the subscriptions the broker granted. Kept from the CONNECT, SUBSCRIBE and UNSUBSCRIBE the broker
/// accepted; a session that ends at its disconnect (clean, or MQTT 5 expiry 0) is not persistent and never stored.
/// </summary>
public sealed class SessionLedger
{
    private sealed record Entry(string? UserName, uint ExpiryInterval)
    {
        public ConcurrentDictionary<string, StoredSubscription> Subscriptions { get; } = new(StringComparer.Ordinal);
    }

    private readonly ConcurrentDictionary<string, Entry> _sessions = new(StringComparer.Ordinal);

    /// <summary>A connection was accepted. <paramref name="expiryInterval"/>: 0 = not persistent, <see cref="uint.MaxValue"/> = never expires.</summary>
    public void Connected(string clientId, string? userName, uint expiryInterval, bool cleanStart)
    {
        var previous = cleanStart ? null : _sessions.GetValueOrDefault(clientId);
        var entry = new Entry(userName, expiryInterval);
        foreach (var subscription in previous?.Subscriptions.Values ?? [])
        {
            entry.Subscriptions[subscription.Topic] = subscription;
        }

        _sessions[clientId] = entry;
    }

    public void Subscribed(string clientId, MqttTopicFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (_sessions.TryGetValue(clientId, out var entry))
        {
            entry.Subscriptions[filter.Topic] = new StoredSubscription(filter.Topic, (int)filter.QualityOfServiceLevel, filter.NoLocal,
                filter.RetainAsPublished, (int)filter.RetainHandling);
        }
    }

    public void Unsubscribed(string clientId, string topic)
    {
        if (_sessions.TryGetValue(clientId, out var entry))
        {
            entry.Subscriptions.TryRemove(topic, out _);
        }
    }

    /// <summary>The session is gone (expired or deleted).</summary>
    public void Forget(string clientId) => _sessions.TryRemove(clientId, out _);

    /// <summary>The session as the store keeps it, without messages; null when it is not persistent.</summary>
    public StoredSession? Describe(string clientId) =>
        _sessions.TryGetValue(clientId, out var entry) && entry.ExpiryInterval > 0
            ? new StoredSession(clientId, entry.UserName, entry.ExpiryInterval, [.. entry.Subscriptions.Values.OrderBy(s => s.Topic, StringComparer.Ordinal)], [])
            : null;
}
