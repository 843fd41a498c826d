using MQTTnet;

namespace SmartHome.Attacker;

/// <summary>One prebuilt flood message; forged envelopes get a fresh counter and timestamp written in place (through <see cref="Header"/>) before each send.</summary>
internal sealed record FloodSlot(int Kind, byte[] Payload, MqttApplicationMessage Message, EnvelopeHeader? Header);
