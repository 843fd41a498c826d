using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Actuator;

/// <summary>
/// The physical home the actuator drives. Rules turn readings into visible consequences:
/// heating, door lock, siren and the garage plug's relay.
/// </summary>
public sealed class HomeState
{
    public const double HeatingOnBelowCelsius = 19.5;
    public const double HeatingOffAboveCelsius = 21.5;
    public const double SirenOnAbovePercent = 10;
    public const double SirenOffBelowPercent = 2;
    public const double PlugCutOffAboveWatts = 2500;

    private readonly object _gate = new();

    public bool HeatingOn { get; private set; }

    public bool DoorLocked { get; private set; } = true;

    public bool SirenOn { get; private set; }

    public bool PlugRelayOn { get; private set; } = true;

    public double? LastTemperature { get; private set; }

    public long ChangeCount { get; private set; }

    /// <summary>Applies the rule for <paramref name="reading"/>; returns what it did (e.g. "heating on").</summary>
    public string Apply(DeviceReading reading)
    {
        lock (_gate)
        {
            var before = Snapshot();
            switch (reading.Kind)
            {
                case DeviceKind.Temperature:
                    LastTemperature = reading.Value;
                    if (reading.Value < HeatingOnBelowCelsius)
                    {
                        HeatingOn = true;
                    }
                    else if (reading.Value > HeatingOffAboveCelsius)
                    {
                        HeatingOn = false;
                    }

                    break;
                case DeviceKind.Door:
                    // The lock follows the door contact: a closed door locks itself, an open door is unlocked.
                    DoorLocked = reading.Value < 0.5;
                    break;
                case DeviceKind.Smoke:
                    if (reading.Value >= SirenOnAbovePercent)
                    {
                        SirenOn = true;
                    }
                    else if (reading.Value < SirenOffBelowPercent)
                    {
                        SirenOn = false;
                    }

                    break;
                case DeviceKind.Power:
                    // Overload protection; an operator resets the relay.
                    if (reading.Value > PlugCutOffAboveWatts)
                    {
                        PlugRelayOn = false;
                    }

                    break;
            }

            var after = Snapshot();
            if (after != before)
            {
                ChangeCount++;
            }

            return after == before ? "no change" : Describe(before, after);
        }
    }

    public HomeSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new HomeSnapshot(HeatingOn, DoorLocked, SirenOn, PlugRelayOn, LastTemperature, ChangeCount);
        }
    }

    private static string Describe(HomeSnapshot before, HomeSnapshot after)
    {
        var changes = new List<string>(2);
        if (before.HeatingOn != after.HeatingOn)
        {
            changes.Add(after.HeatingOn ? "heating on" : "heating off");
        }

        if (before.DoorLocked != after.DoorLocked)
        {
            changes.Add(after.DoorLocked ? "door locked" : "door unlocked");
        }

        if (before.SirenOn != after.SirenOn)
        {
            changes.Add(after.SirenOn ? "siren on" : "siren off");
        }

        if (before.PlugRelayOn != after.PlugRelayOn)
        {
            changes.Add(after.PlugRelayOn ? "plug on" : "plug cut off");
        }

        return changes.Count == 0 ? "no change" : string.Join(", ", changes);
    }
}
