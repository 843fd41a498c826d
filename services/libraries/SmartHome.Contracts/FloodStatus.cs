namespace SmartHome.Contracts;

/// <summary><c>GET /flood/status</c>.</summary>
public sealed record FloodStatus(bool Running, string Phase, long Sent, double ElapsedSeconds, double TargetRatePerSecond, int Seconds,
    string? AttemptId, FloodResult? Last);
