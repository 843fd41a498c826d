namespace SmartHome.Attacker;

/// <summary>A message the attacker saw on the broker (its view of a legit reading or announcement).</summary>
public sealed record Capture(string Topic, byte[] Payload);
