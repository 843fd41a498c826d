namespace SmartHome.Attacker;

/// <summary>
/// Every attack a campaign runs, in the order it runs them; <see cref="Attacks.All"/> is this list's names. Adding an
/// attack is one file implementing <see cref="IAttack"/> and one line here.
/// </summary>
internal static class AttackCatalogue
{
    public static IReadOnlyList<IAttack> All { get; } =
    [
        EavesdropAttack.Eavesdrop,
        ForgeAttack.Inject,
        TamperAttack.Instance,
        ReplayAttack.SameTopic,
        ReplayAttack.CrossTopic,
        KeySubstitutionAttack.Instance,
        DowngradeAttack.Instance,
        EavesdropAttack.WildcardSubscribe,
        CredentialGuessingAttack.Instance,
        ClientIdTakeoverAttack.Instance,
        ForgeAttack.RetainedPoisoning,
        BadInputAttack.Malformed,
        BadInputAttack.Oversized,
        FloodAttack.Instance,
        OwnIdentityAttack.CapabilityAbuse,
        OwnIdentityAttack.ImplausibleValue,
        AnnouncementFloodAttack.Instance,
        AckForgeryAttack.Instance,
        SuiteDowngradeAttack.Instance,
    ];

    /// <summary>The attack named <paramref name="name"/>; null for a name the catalogue does not run (e.g. replay-after-restart).</summary>
    public static IAttack? Find(string name) => All.FirstOrDefault(a => a.Name == name);
}
