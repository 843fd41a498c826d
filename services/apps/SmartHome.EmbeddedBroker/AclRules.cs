namespace SmartHome.EmbeddedBroker;

/// <summary>What a client wants to do with a topic.</summary>
[Flags]
public enum AclAccess
{
    None = 0,
    Read = 1,
    Write = 2,
    ReadWrite = Read | Write,
}

/// <summary>One <c>topic</c> or <c>pattern</c> line.</summary>
public sealed record AclRule(AclAccess Access, string Filter, bool Deny = false);

/// <summary>
/// Mosquitto 2.0's acl_file semantics: <c>topic [read|write|readwrite|deny] FILTER</c> lines belong to the last
/// <c>user NAME</c> line (before any, to anonymous clients); <c>pattern [...] FILTER</c> lines apply to everyone, with
/// <c>%u</c> (username) and <c>%c</c> (client id) substituted. Access is granted when a rule of the client's list or a
/// pattern whose filter matches the topic grants it; a matching <c>deny</c> rule wins. As in mosquitto, patterns deny
/// everything to a client whose username or client id contains <c>+</c> or <c>#</c>, and a filter that does not start
/// with <c>$</c> never matches a <c>$</c> topic, and no client may write a <c>$SYS</c> topic.
/// </summary>
public sealed class AclRules
{
    private readonly Dictionary<string, List<AclRule>> _users = new(StringComparer.Ordinal);
    private readonly List<AclRule> _anonymous = [];
    private readonly List<AclRule> _patterns = [];

    public IReadOnlyList<AclRule> Patterns => _patterns;

    public IReadOnlyList<AclRule> Anonymous => _anonymous;

    public IReadOnlyList<AclRule> RulesOf(string user) => _users.TryGetValue(user, out var rules) ? rules : [];

    public static AclRules Load(string path) => Parse(File.ReadAllText(path));

    public static AclRules Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var acl = new AclRules();
        var current = acl._anonymous;
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var parts = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            var rest = parts.Length > 1 ? parts[1].Trim() : string.Empty;
            switch (parts[0])
            {
                case "user":
                    if (rest.Length == 0)
                    {
                        throw new FormatException($"acl line {number}: 'user' needs a name.");
                    }

                    if (!acl._users.TryGetValue(rest, out var list))
                    {
                        list = [];
                        acl._users[rest] = list;
                    }

                    current = list;
                    break;
                case "topic":
                    current.Add(Rule(rest, number));
                    break;
                case "pattern":
                    acl._patterns.Add(Rule(rest, number));
                    break;
                default:
                    throw new FormatException($"acl line {number}: unknown keyword '{parts[0]}'.");
            }
        }

        return acl;
    }

    private static AclRule Rule(string rest, int number)
    {
        var words = rest.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
        if (words.Length == 0)
        {
            throw new FormatException($"acl line {number}: a topic filter is missing.");
        }

        // "topic FILTER" without an access word means readwrite; the filter itself may contain spaces.
        return words[0] switch
        {
            "read" when words.Length == 2 => new AclRule(AclAccess.Read, words[1]),
            "write" when words.Length == 2 => new AclRule(AclAccess.Write, words[1]),
            "readwrite" when words.Length == 2 => new AclRule(AclAccess.ReadWrite, words[1]),
            "deny" when words.Length == 2 => new AclRule(AclAccess.ReadWrite, words[1], Deny: true),
            _ => new AclRule(AclAccess.ReadWrite, rest),
        };
    }

    /// <summary>True when the client (username null: anonymous) may <paramref name="access"/> <paramref name="topic"/>.</summary>
    public bool IsAllowed(string? username, string clientId, string topic, AclAccess access)
    {
        ArgumentNullException.ThrowIfNull(topic);
        // As mosquitto: clients never write $SYS (only bridges their connection status), whatever the ACL says.
        if ((access & AclAccess.Write) != 0 && IsSys(topic) && !topic.StartsWith("$SYS/broker/connection/", StringComparison.Ordinal))
        {
            return false;
        }

        var own = username is null ? _anonymous : _users.GetValueOrDefault(username);
        var allowed = false;
        if (own is not null)
        {
            foreach (var rule in own)
            {
                if ((rule.Access & access) != 0 && Matches(rule.Filter, topic))
                {
                    if (rule.Deny)
                    {
                        return false;
                    }

                    allowed = true;
                }
            }
        }

        if (allowed)
        {
            return true;
        }

        if (_patterns.Count == 0)
        {
            return false;
        }

        if ((username is not null && username.AsSpan().IndexOfAny('+', '#') >= 0) || clientId.AsSpan().IndexOfAny('+', '#') >= 0)
        {
            return false;
        }

        foreach (var rule in _patterns)
        {
            if (username is null && rule.Filter.Contains("%u", StringComparison.Ordinal))
            {
                continue;
            }

            var filter = rule.Filter.Replace("%u", username ?? string.Empty, StringComparison.Ordinal)
                .Replace("%c", clientId, StringComparison.Ordinal);
            if ((rule.Access & access) != 0 && Matches(filter, topic))
            {
                if (rule.Deny)
                {
                    return false;
                }

                allowed = true;
            }
        }

        return allowed;
    }

    private static bool IsSys(string topic) => topic == "$SYS" || topic.StartsWith("$SYS/", StringComparison.Ordinal);

    /// <summary>MQTT topic-filter matching (<c>+</c> one level, <c>#</c> this level and below); wildcards never match a leading <c>$</c>.</summary>
    public static bool Matches(string filter, string topic)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(topic);
        if (topic.StartsWith('$') && !filter.StartsWith('$'))
        {
            return false;
        }

        var f = filter.Split('/');
        var t = topic.Split('/');
        for (var i = 0; i < f.Length; i++)
        {
            if (f[i] == "#")
            {
                return i == f.Length - 1;
            }

            if (i >= t.Length)
            {
                return false;
            }

            if (f[i] != "+" && !string.Equals(f[i], t[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return f.Length == t.Length;
    }
}
