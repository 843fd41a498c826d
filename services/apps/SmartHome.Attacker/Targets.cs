using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Attacker;

/// <summary>The devices the campaign attacks, and the reading topic each capability level can write to.</summary>
internal static class Targets
{
    /// <summary>The living-room thermometer: a forged 15 °C switches the heating on, a visible effect if it is applied.</summary>
    public const string VictimDevice = "temp-living";

    /// <summary>Another device, where replay-cross-topic moves captured messages.</summary>
    public const string OtherDevice = "door-front";

    /// <summary>The topic of readings the level can write to where the actuator listens (ACL permitting).</summary>
    public static string WritableReadingTopic(AttackLevel level) =>
        Topics.Readings(level == AttackLevel.Insider ? AttackerIdentities.InsiderDevice : VictimDevice);
}
