namespace Aspire.Hosting.ApplicationModel;

/// <summary>What clients need of a broker, whichever way it runs (hosted by this AppHost or external).</summary>
public interface IMosquittoBroker : IResourceWithConnectionString, IResourceWithEndpoints, IResourceWithWaitSupport
{
    bool UseTls { get; }

    EndpointReference Endpoint { get; }
}
