using System.Text.Json.Serialization;

namespace SmartHome.Attacker;

/// <summary>What the attacker is able to do (services/SmartHome.Attacker/README.md, "Capability levels").</summary>
public enum AttackLevel
{
    /// <summary>No credentials: anonymous (or guessed) connections only.</summary>
    Outsider,

    /// <summary>Valid broker credentials and the DSA key of another device (plug-garage).</summary>
    Insider,

    /// <summary>The privileged 'monitor' account (readwrite #): a simulation of a compromised broker.</summary>
    CompromisedBroker,
}

/// <summary>Names of the attacks of the catalogue.</summary>
public static class Attacks
{
    public const string Eavesdrop = "eavesdrop";
    public const string Inject = "inject";
    public const string Tamper = "tamper";
    public const string Replay = "replay";
    public const string ReplayAfterRestart = "replay-after-restart";
    public const string ReplayCrossTopic = "replay-cross-topic";
    public const string KeySubstitution = "key-substitution";
    public const string Downgrade = "downgrade";
    public const string WildcardSubscribe = "wildcard-subscribe";
    public const string CredentialGuessing = "credential-guessing";
    public const string ClientIdTakeover = "client-id-takeover";
    public const string RetainedPoisoning = "retained-poisoning";
    public const string Malformed = "malformed";
    public const string Oversized = "oversized";
    public const string Flood = "flood";
    public const string CapabilityAbuse = "capability-abuse";
    public const string ImplausibleValue = "implausible-value";
    public const string AnnouncementFlood = "announcement-flood";
    public const string AckForgery = "ack-forgery";

    /// <summary>The four classic attacks the insecure pipeline must lose 100/100.</summary>
    public static readonly IReadOnlyList<string> Classic = [Eavesdrop, Inject, Tamper, Replay];

    /// <summary>Every attack a single campaign run performs, in its order: the catalogue's (replay-after-restart needs the AppHost; see README).</summary>
    public static readonly IReadOnlyList<string> All = [.. AttackCatalogue.All.Select(a => a.Name)];

    public static bool IsKnown(string name) => All.Contains(name, StringComparer.Ordinal) || name == ReplayAfterRestart;

    public static string LevelName(AttackLevel level) => level switch
    {
        AttackLevel.Outsider => "outsider",
        AttackLevel.Insider => "insider",
        _ => "compromised-broker",
    };
}

/// <summary>The layer that stopped an attempt.</summary>
public static class Layers
{
    public const string BrokerAuth = "broker-auth";
    public const string Acl = "acl";
    public const string Tls = "tls";
    public const string Encryption = "encryption";
    public const string Signature = "signature";
    public const string GcmTag = "gcm-tag";
    public const string ReplayWindow = "replay-window";
    public const string TopicBinding = "topic-binding";
    public const string Parser = "parser";
    public const string RateLimit = "rate-limit";
    public const string ClientIdBinding = "client-id-binding";

    /// <summary>The device registry: the sender may not send this kind of reading.</summary>
    public const string Authorization = "authorization";

    /// <summary>The device registry: the value is outside what such a device can report.</summary>
    public const string Plausibility = "plausibility";

    /// <summary>Public-key work the actuator did on an announcement within the sender's announcement budget.</summary>
    public const string AnnouncementBudget = "announcement-budget";

    /// <summary>The actuator dropped a copy flagged as a transport redelivery of a reading it already applied.</summary>
    public const string RedeliveryFilter = "redelivery-filter";

    /// <summary>The message was published but the actuator never saw it and the broker gave no reason.</summary>
    public const string NotDelivered = "not-delivered";

    /// <summary>Maps an actuator reject reason to the layer that produced it.</summary>
    public static string FromRejectReason(string? reason) => reason switch
    {
        "bad-signature" or "unknown-sender" or "unknown-key" => Signature,
        "gcm-tag" or "bad-key" => GcmTag,
        "replay" or "stale" => ReplayWindow,
        "malformed" or "oversize" => Parser,
        "wrong-topic" or "unexpected-topic" or "sender-mismatch" => TopicBinding,
        "rate-limited" => RateLimit,
        "not-permitted" => Authorization,
        "implausible" => Plausibility,
        "duplicate" => RedeliveryFilter,
        null or "" => "unknown",
        _ => reason,
    };
}

/// <summary>Outcome of one attack at one capability level against one pipeline.</summary>
public sealed record AttackResult
{
    public required string Pipeline { get; init; }

    public required string Attack { get; init; }

    public required string Level { get; init; }

    public int Attempts { get; init; }

    public int Succeeded { get; init; }

    /// <summary>Attempts the campaign could not judge (e.g. the victim never answered); never counted as blocked.</summary>
    public int Unjudged { get; init; }

    public IReadOnlyDictionary<string, int> BlockedBy { get; init; } = new Dictionary<string, int>();

    public string Notes { get; init; } = string.Empty;

    public double DurationMs { get; init; }

    /// <summary>Flood only: p99 end-to-end latency (ms) of legit readings sent during the flood.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? LegitP99Ms { get; init; }
}

/// <summary>A whole campaign: one result per attack × level.</summary>
public sealed record CampaignReport(
    string Pipeline,
    DateTimeOffset StartedAt,
    double DurationMs,
    int AttemptsPerAttack,
    IReadOnlyList<AttackResult> Results)
{
    public int TotalSucceeded => Results.Sum(r => r.Succeeded);
}

/// <summary>How one attempt ended.</summary>
public readonly record struct Verdict(bool Succeeded, string? BlockedBy, bool Judged = true)
{
    public static Verdict Success => new(true, null);

    public static Verdict Blocked(string layer) => new(false, layer);

    public static Verdict Unknown => new(false, null, false);
}

[JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(CampaignReport))]
[JsonSerializable(typeof(AttackResult))]
[JsonSerializable(typeof(List<VictimDecision>))]
[JsonSerializable(typeof(VictimSummary))]
[JsonSerializable(typeof(PublishResponse))]
[JsonSerializable(typeof(FloodResult))]
[JsonSerializable(typeof(FloodStatus))]
[JsonSerializable(typeof(SmartHome.ServiceDefaults.ProcessStats))]
public sealed partial class AttackerJson : JsonSerializerContext;
