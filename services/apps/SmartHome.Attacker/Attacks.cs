using SmartHome.Contracts;

namespace SmartHome.Attacker;

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
    public const string SuiteDowngrade = "suite-downgrade";

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
