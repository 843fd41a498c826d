namespace SmartHome.Attacker;

/// <summary>One MQTT message of an attempt; <see cref="AttemptId"/> labels it in the victim's log.</summary>
public sealed record PlannedMessage(string Topic, byte[] Payload, string AttemptId, bool Retain = false);
