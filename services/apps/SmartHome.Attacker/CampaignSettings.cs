using SmartHome.Messaging;

namespace SmartHome.Attacker;

/// <summary>Everything a campaign needs to know about its target.</summary>
public sealed record CampaignSettings(string Pipeline, BrokerTarget Broker, AttackerSecrets Secrets)
{
    public bool Secure => Pipeline == ProtectionRegistration.Secure;
}
