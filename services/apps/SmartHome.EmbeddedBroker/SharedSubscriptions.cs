using System.Runtime.CompilerServices;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace SmartHome.EmbeddedBroker;

/// <summary>
/// MQTT 5 shared subscriptions (<c>$share/{group}/{filter}</c>) as Mosquitto 2.0.11 distributes them (subs.c,
/// subs__shared_process): each (group, filter) keeps its members in subscription order; every matching message goes to
/// the first member, which then moves to the end (round robin), whether or not that member is online or may read the
/// topic. Retained messages are not handed to a shared subscription. MQTTnet.Server answers SUBACK 0x9E (not supported)
/// to any <c>$share/</c> filter before an interceptor can see it, so SUBSCRIBE and UNSUBSCRIBE are rewritten on the way in
/// to the plain filter, and the enqueue interceptor lets a message through to exactly one member per group.
/// </summary>
public sealed class SharedSubscriptions
{
    private const string Prefix = "$share/";

    private readonly object _gate = new();

    // (group, filter) -> members, first in line first.
    private readonly Dictionary<(string Group, string Filter), List<string>> _groups = [];

    // client id -> its subscriptions: plain filters and shared (group, filter) pairs, to decide per receiving session.
    private readonly Dictionary<string, (HashSet<string> Plain, HashSet<(string Group, string Filter)> Shared)> _clients = new(StringComparer.Ordinal);

    // One decision per message and group, however many sessions MQTTnet asks about it.
    private readonly ConditionalWeakTable<MqttApplicationMessage, Dictionary<(string Group, string Filter), string>> _decisions = new();

    /// <summary>Rewrites the <c>$share/</c> filters of an inbound SUBSCRIBE and records every filter of it.</summary>
    public void OnSubscribe(string clientId, MqttSubscribePacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        lock (_gate)
        {
            var client = Client(clientId);
            foreach (var filter in packet.TopicFilters)
            {
                if (TrySplit(filter.Topic, out var group, out var plain))
                {
                    filter.Topic = plain;
                    filter.RetainHandling = MqttRetainHandling.DoNotSendOnSubscribe;
                    if (client.Shared.Add((group, plain)))
                    {
                        if (!_groups.TryGetValue((group, plain), out var members))
                        {
                            _groups[(group, plain)] = members = [];
                        }

                        members.Add(clientId);
                    }
                }
                else
                {
                    client.Plain.Add(filter.Topic);
                }
            }
        }
    }

    /// <summary>Rewrites the <c>$share/</c> filters of an inbound UNSUBSCRIBE and forgets the memberships.</summary>
    public void OnUnsubscribe(string clientId, MqttUnsubscribePacket packet)
    {
        ArgumentNullException.ThrowIfNull(packet);
        lock (_gate)
        {
            var client = Client(clientId);
            for (var i = 0; i < packet.TopicFilters.Count; i++)
            {
                if (TrySplit(packet.TopicFilters[i], out var group, out var plain))
                {
                    packet.TopicFilters[i] = plain;
                    client.Shared.Remove((group, plain));
                    Leave(clientId, group, plain);
                }
                else
                {
                    client.Plain.Remove(packet.TopicFilters[i]);
                }
            }
        }
    }

    /// <summary>The client's session ended (expired, deleted, or replaced by a clean start).</summary>
    public void Forget(string clientId)
    {
        lock (_gate)
        {
            if (_clients.Remove(clientId, out var client))
            {
                foreach (var (group, filter) in client.Shared)
                {
                    Leave(clientId, group, filter);
                }
            }
        }
    }

    /// <summary>Whether <paramref name="receiverClientId"/>'s session gets <paramref name="message"/> (MQTTnet asks once per matching session).</summary>
    public bool Accepts(string receiverClientId, MqttApplicationMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            if (!_clients.TryGetValue(receiverClientId, out var client) || client.Shared.Count == 0)
            {
                return true;
            }

            if (client.Plain.Any(filter => AclRules.Matches(filter, message.Topic)))
            {
                return true;
            }

            var decisions = _decisions.GetValue(message, _ => new());
            var accepted = false;
            foreach (var key in client.Shared)
            {
                if (!AclRules.Matches(key.Filter, message.Topic))
                {
                    continue;
                }

                if (!decisions.TryGetValue(key, out var winner) && _groups.TryGetValue(key, out var members) && members.Count > 0)
                {
                    winner = members[0];
                    members.RemoveAt(0);
                    members.Add(winner);
                    decisions[key] = winner;
                }

                accepted |= winner == receiverClientId;
            }

            return accepted;
        }
    }

    private (HashSet<string> Plain, HashSet<(string Group, string Filter)> Shared) Client(string clientId)
    {
        if (!_clients.TryGetValue(clientId, out var client))
        {
            _clients[clientId] = client = (new HashSet<string>(StringComparer.Ordinal), new HashSet<(string Group, string Filter)>());
        }

        return client;
    }

    private void Leave(string clientId, string group, string filter)
    {
        if (_groups.TryGetValue((group, filter), out var members))
        {
            members.Remove(clientId);
            if (members.Count == 0)
            {
                _groups.Remove((group, filter));
            }
        }
    }

    private static bool TrySplit(string topic, out string group, out string filter)
    {
        group = filter = string.Empty;
        if (!topic.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var slash = topic.IndexOf('/', Prefix.Length);
        if (slash <= Prefix.Length || slash == topic.Length - 1)
        {
            return false;
        }

        group = topic[Prefix.Length..slash];
        filter = topic[(slash + 1)..];
        return true;
    }
}
