using SmartHome.Messaging.Secure;
using SmartHome.Security;

namespace SmartHome.Attacker;

/// <summary>
/// The credentials the attacker's capability levels model, and nothing else: the 'monitor' password (compromised
/// broker), the 'auditor' password (a valid login with no topic rights) and the modelled insider theft, i.e. the
/// broker password and DSA private key of <see cref="AttackerIdentities.InsiderDevice"/>. Each is a file of that identity; the
/// attacker never sees the other devices' or the actuator's secrets. Public: the actuator's RSA public key.
/// </summary>
public sealed record AttackerSecrets(IReadOnlyDictionary<string, string> PasswordFiles, string? StolenSigningKey, string? ActuatorPublicKey)
{
    /// <summary>The broker accounts whose password the attacker holds.</summary>
    public static IReadOnlyList<string> Accounts { get; } = [BrokerAcl.Monitor, BrokerAcl.Auditor, AttackerIdentities.InsiderDevice];

    /// <summary>Configuration key of the stolen insider signing key (the AppHost sets it for the secure attacker).</summary>
    public const string StolenSigningKeyKey = "Attacker:StolenSigningKey";

    public static AttackerSecrets None { get; } = new(new Dictionary<string, string>(), null, null);

    /// <summary>A password the attacker holds, or null (then it connects without one and is refused).</summary>
    public string? Password(string account) =>
        PasswordFiles.TryGetValue(account, out var file) ? BrokerPasswords.ReadPasswordFile(file) : null;

    /// <summary>From configuration: <c>Broker:PasswordFiles:{account}</c>, <c>Attacker:StolenSigningKey</c>, <c>Security:ActuatorPublicKey</c>.</summary>
    public static AttackerSecrets FromConfiguration(IConfiguration configuration)
    {
        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var account in Accounts)
        {
            if (configuration[$"Broker:PasswordFiles:{account}"] is { Length: > 0 } file)
            {
                files[account] = file;
            }
        }

        return new AttackerSecrets(files, configuration[StolenSigningKeyKey] is { Length: > 0 } key ? key : null,
            configuration[ProtectionFactory.ActuatorPublicKeyKey] is { Length: > 0 } pub ? pub : null);
    }

    /// <summary>The same files picked out of a keys folder (the command-line campaign).</summary>
    public static AttackerSecrets FromKeysFolder(KeyPaths keys) => new(
        Accounts.ToDictionary(a => a, keys.BrokerPassword, StringComparer.Ordinal),
        keys.DevicePrivateKey(AttackerIdentities.InsiderDevice),
        keys.ActuatorPublicKey);
}
