namespace SmartHome.Contracts;

/// <summary>What the attacker is able to do (services/apps/SmartHome.Attacker/README.md, "Capability levels").</summary>
public enum AttackLevel
{
    /// <summary>No credentials: anonymous (or guessed) connections only.</summary>
    Outsider,

    /// <summary>Valid broker credentials and the DSA key of another device (plug-garage).</summary>
    Insider,

    /// <summary>The privileged 'monitor' account (readwrite #): a simulation of a compromised broker.</summary>
    CompromisedBroker,
}
