using MQTTnet;

namespace SmartHome.Attacker;

/// <summary>
/// One attempt: its messages in sending order. The attempt succeeds when the message labelled with the attempt's own
/// id is applied by the actuator (with <see cref="ExpectedValue"/>, when set). Other messages prepare it (e.g. a key
/// announcement before data under that key).
/// </summary>
public sealed record PlannedAttempt(string Id, IReadOnlyList<PlannedMessage> Messages, double? ExpectedValue = null)
{
    /// <summary>PUBACK reason code per message attempt id (null: not sent / connection lost).</summary>
    public Dictionary<string, MqttClientPublishReasonCode?> Acks { get; } = new(StringComparer.Ordinal);
}
