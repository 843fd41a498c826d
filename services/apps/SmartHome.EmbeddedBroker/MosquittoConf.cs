using System.Globalization;

namespace SmartHome.EmbeddedBroker;

/// <summary>
/// The subset of mosquitto.conf the embedded broker honours: one <c>listener PORT [ADDRESS]</c>, <c>allow_anonymous</c>,
/// <c>password_file</c>, <c>acl_file</c>, <c>certfile</c>/<c>keyfile</c> (TLS), <c>tls_version</c>,
/// <c>use_username_as_clientid</c>, <c>max_packet_size</c>, <c>max_queued_messages</c>, <c>max_inflight_messages</c>,
/// <c>max_topic_alias</c>, <c>persistence</c>, <c>persistence_location</c>, <c>autosave_interval</c>
/// (seconds; <c>autosave_on_changes true</c> is reported and read as seconds too). Logging options are implied
/// (connection messages on stdout). Unknown options are reported once and ignored.
/// </summary>
public sealed class MosquittoConf
{
    public int Port { get; private set; } = 1883;

    /// <summary>Null: every interface (mosquitto's <c>listener PORT</c> without an address).</summary>
    public string? BindAddress { get; private set; }

    /// <summary>Mosquitto 2.0's default is false once a listener is configured.</summary>
    public bool AllowAnonymous { get; private set; }

    public string? PasswordFile { get; private set; }

    public string? AclFile { get; private set; }

    public string? CaFile { get; private set; }

    public string? CertFile { get; private set; }

    public string? KeyFile { get; private set; }

    public string? TlsVersion { get; private set; }

    public bool UseUsernameAsClientId { get; private set; }

    /// <summary>0: no limit (mosquitto's default).</summary>
    public int MaxPacketSize { get; private set; }

    public int MaxQueuedMessages { get; private set; } = 1000;

    /// <summary>
    /// Mosquitto 2.0.11 default 20; advertised as CONNACK Receive Maximum and, for a client that sends no Receive
    /// Maximum (every MQTT 3.1.1 client), the outbound QoS 1/2 window. 0: unlimited.
    /// </summary>
    public int MaxInflightMessages { get; private set; } = 20;

    /// <summary>Mosquitto 2.0.11's listener default is 10, advertised as CONNACK Topic Alias Maximum.</summary>
    public int MaxTopicAlias { get; private set; } = 10;

    public bool UseTls => CertFile is not null;

    /// <summary>Keep retained messages and persistent sessions (with their unacknowledged QoS 1/2 messages) on disk.</summary>
    public bool Persistence { get; private set; }

    /// <summary>Folder of the store (mosquitto's default: the working directory).</summary>
    public string PersistenceLocation { get; private set; } = string.Empty;

    /// <summary>
    /// The store's file: always <c>embedded-broker.json</c> in <see cref="PersistenceLocation"/> (<c>persistence_file</c> names
    /// Mosquitto's own file, whose format is Mosquitto's; both can live in one folder).
    /// </summary>
    public string PersistencePath => Path.Combine(PersistenceLocation.Length == 0 ? "." : PersistenceLocation, "embedded-broker.json");

    /// <summary>Seconds between saves while running; 0 = only on a clean stop. Mosquitto's default 1800.</summary>
    public int AutosaveInterval { get; private set; } = 1800;

    public bool AutosaveOnChanges { get; private set; }

    /// <summary>Options seen but not implemented (other than the logging and persistence ones, which are implied).</summary>
    public IReadOnlyList<string> Ignored => _ignored;

    private readonly List<string> _ignored = [];

    private static readonly HashSet<string> Implied = new(StringComparer.Ordinal)
    {
        "log_dest", "log_type", "connection_messages", "log_timestamp", "log_timestamp_format", "per_listener_settings", "user",
        "persistence_file",
        // MQTTnet's server sets TCP_NODELAY on its sockets by default.
        "set_tcp_nodelay",
    };

    public static MosquittoConf Load(string path)
    {
        var conf = Parse(File.ReadAllLines(path));
        return conf;
    }

    public static MosquittoConf Parse(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var conf = new MosquittoConf();
        var number = 0;
        foreach (var raw in lines)
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var parts = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries);
            var key = parts[0];
            var value = parts.Length > 1 ? parts[1].Trim() : string.Empty;
            switch (key)
            {
                case "listener":
                    var words = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (words.Length == 0 || !int.TryParse(words[0], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
                    {
                        throw new FormatException($"line {number}: 'listener' needs a port: '{line}'.");
                    }

                    conf.Port = port;
                    conf.BindAddress = words.Length > 1 ? words[1] : null;
                    break;
                case "port":
                    conf.Port = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                case "bind_address":
                    conf.BindAddress = value;
                    break;
                case "allow_anonymous":
                    conf.AllowAnonymous = Bool(value, number);
                    break;
                case "use_username_as_clientid":
                    conf.UseUsernameAsClientId = Bool(value, number);
                    break;
                case "password_file":
                    conf.PasswordFile = value;
                    break;
                case "acl_file":
                    conf.AclFile = value;
                    break;
                case "cafile":
                    conf.CaFile = value;
                    break;
                case "certfile":
                    conf.CertFile = value;
                    break;
                case "keyfile":
                    conf.KeyFile = value;
                    break;
                case "tls_version":
                    conf.TlsVersion = value;
                    break;
                case "max_packet_size":
                    conf.MaxPacketSize = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                case "max_inflight_messages":
                    conf.MaxInflightMessages = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                case "max_topic_alias":
                    conf.MaxTopicAlias = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                case "persistence":
                    conf.Persistence = Bool(value, number);
                    break;
                case "persistence_location":
                    conf.PersistenceLocation = value;
                    break;
                case "autosave_interval":
                    conf.AutosaveInterval = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                case "autosave_on_changes":
                    conf.AutosaveOnChanges = Bool(value, number);
                    break;
                case "max_queued_messages":
                    conf.MaxQueuedMessages = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                default:
                    if (!Implied.Contains(key))
                    {
                        conf._ignored.Add(key);
                    }

                    break;
            }
        }

        if ((conf.CertFile is null) != (conf.KeyFile is null))
        {
            throw new FormatException("certfile and keyfile must be set together.");
        }

        return conf;
    }

    private static bool Bool(string value, int number) => value switch
    {
        "true" => true,
        "false" => false,
        _ => throw new FormatException($"line {number}: expected 'true' or 'false', got '{value}'."),
    };
}
