using MQTTnet;

namespace SmartHome.Messaging;

/// <summary>The broker answered CONNECT with a refusal (bad credentials, not authorized...).</summary>
public sealed class BrokerRefusedException(MqttClientConnectResultCode code, string? reason)
    : Exception($"broker refused the connection: {code}{(string.IsNullOrEmpty(reason) ? string.Empty : " - " + reason)}")
{
    public MqttClientConnectResultCode Code { get; } = code;
}
