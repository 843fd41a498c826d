namespace SmartHome.Contracts;

/// <summary>The actuator's home (<c>GET /state</c>): its four actuators, the last temperature and how often anything changed.</summary>
public sealed record HomeSnapshot(bool HeatingOn, bool DoorLocked, bool SirenOn, bool PlugRelayOn, double? LastTemperature, long ChangeCount);
