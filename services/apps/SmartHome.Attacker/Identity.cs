namespace SmartHome.Attacker;

/// <summary>Credentials (or none) and client id of one attacker connection.</summary>
public sealed record Identity(string? Username, string? Password, string ClientId, bool CleanStart = true, uint SessionExpirySeconds = 0);
