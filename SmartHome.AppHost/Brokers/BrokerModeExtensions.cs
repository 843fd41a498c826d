namespace SmartHome.AppHost.Brokers;

public static class BrokerModeExtensions
{
    /// <summary>Adds a broker that runs the way <paramref name="mode"/> says (Broker:Mode); the same files and endpoint either way.</summary>
    public static IResourceBuilder<IHostedMosquittoBroker> AddBroker(this IDistributedApplicationBuilder builder, [ResourceName] string name,
        int? port, BrokerMode mode, string? mosquittoPath = null) => mode switch
        {
            BrokerMode.Executable => builder.AddMosquitto(name, port, mosquittoPath),
            BrokerMode.Embedded => builder.AddEmbeddedMosquitto(name, port),
            BrokerMode.Container => builder.AddMosquittoContainer(name, port),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Broker:Mode is executable, embedded or container."),
        };
}
