using System.Net;
using Microsoft.Extensions.Logging;

namespace SmartHome.Audit;

/// <summary>What every check of one run shares: the options, the one resolved address, the run id and probe topics.</summary>
public sealed class AuditContext
{
    public AuditContext(AuditOptions options, IPAddress address, ILogger logger, string? runId = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        Address = address;
        Logger = logger;
        RunId = runId ?? Guid.NewGuid().ToString("N")[..10];
        ProbeTopicRoot = $"{options.ProbeTopicPrefix}/{RunId}";
    }

    public AuditOptions Options { get; }

    public BrokerAddress Broker => Options.Broker;

    public IPAddress Address { get; }

    public ILogger Logger { get; }

    /// <summary>Unique per run: every client id and probe topic of the audit carries it.</summary>
    public string RunId { get; }

    /// <summary>The only topics the audit publishes to: <c>&lt;prefix&gt;/&lt;run id&gt;/...</c>.</summary>
    public string ProbeTopicRoot { get; }

    /// <summary>Set by the anonymous-connect check: whether a CONNECT without credentials was accepted.</summary>
    public bool? AnonymousAccepted { get; set; }

    public string ProbeTopic(string name) => $"{ProbeTopicRoot}/{name}";

    public string ClientId(string role) => $"audit-{RunId}-{role}";

    /// <summary>
    /// The login the session checks use: the given one, or anonymous. Null when there is none that works (anonymous
    /// refused and no --username).
    /// </summary>
    public BrokerIdentity? PrimaryIdentity =>
        !Options.Identity.IsAnonymous ? Options.Identity : AnonymousAccepted == true ? BrokerIdentity.Anonymous : null;

    /// <summary>A login other than the primary one: --second-username, else anonymous when that is accepted ("anyone").</summary>
    public BrokerIdentity? OtherIdentity =>
        Options.SecondIdentity ?? (AnonymousAccepted == true ? BrokerIdentity.Anonymous : null);

    public bool IsAuditTopic(string topic) => topic.StartsWith(ProbeTopicRoot + "/", StringComparison.Ordinal);
}
