namespace SmartHome.AppHost.Brokers;

/// <summary>
/// How a broker runs: the host's mosquitto binary (default), the eclipse-mosquitto:2 image, or the embedded
/// MQTTnet.Server broker (services/apps/SmartHome.EmbeddedBroker) with the same generated files.
/// </summary>
public enum BrokerMode
{
    Executable,
    Container,
    Embedded,
}
