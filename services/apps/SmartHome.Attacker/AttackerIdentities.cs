using SmartHome.Contracts;

namespace SmartHome.Attacker;

/// <summary>
/// Who the attacker is at each capability level (README, "Capability levels"): anonymous, the stolen plug-garage login,
/// or the monitor account of a compromised broker; and who its control connection is.
/// </summary>
internal sealed class AttackerIdentities(CampaignSettings settings)
{
    /// <summary>The device whose broker login and DSA private key the insider stole.</summary>
    public const string InsiderDevice = "plug-garage";

    /// <summary>The privileged account (ACL readwrite #) that simulates a compromised broker.</summary>
    public const string MonitorAccount = "monitor";

    // Read once per campaign: password files do not change while it runs.
    private readonly Dictionary<string, string?> _passwords = new(StringComparer.Ordinal);

    /// <summary>The password the attacker holds for <paramref name="user"/>; none on the insecure pipeline, whose broker asks for nothing.</summary>
    public string? Password(string user)
    {
        if (!settings.Secure)
        {
            return null;
        }

        lock (_passwords)
        {
            if (!_passwords.TryGetValue(user, out var password))
            {
                password = settings.Secrets.Password(user);
                _passwords[user] = password;
            }

            return password;
        }
    }

    /// <summary>A fresh connection of <paramref name="level"/>; its client id names the purpose, so the broker's log tells attacks apart.</summary>
    public Identity ForLevel(AttackLevel level, string purpose) => level switch
    {
        AttackLevel.Outsider => new Identity(null, null, ClientId(purpose)),
        AttackLevel.Insider => new Identity(InsiderDevice, Password(InsiderDevice), ClientId(purpose)),
        _ => new Identity(MonitorAccount, Password(MonitorAccount), ClientId(purpose)),
    };

    /// <summary>The control connection: the monitor on the secure pipeline (it must reach the actuator's topics), anonymous on the insecure one.</summary>
    public Identity Control(string runId) => settings.Secure
        ? new Identity(MonitorAccount, Password(MonitorAccount), $"attacker-control-{runId}")
        : new Identity(null, null, $"attacker-control-{runId}");

    private static string ClientId(string purpose) => $"attacker-{purpose}-{Guid.NewGuid():N}"[..40];
}
