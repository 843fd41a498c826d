namespace SmartHome.Report.Modes;

/// <summary>A client for each pipeline's sensor and actuator, disposed together.</summary>
internal sealed class PipelineClients(Dictionary<string, PipelineClient> clients) : IDisposable
{
    public PipelineClient this[string pipeline] => clients[pipeline];

    public IEnumerable<PipelineClient> Values => clients.Values;

    public static PipelineClients ForBoth(IAppTarget app) =>
        new(ReportRunner.Pipelines.ToDictionary(p => p, p => new PipelineClient(p, app.Http($"{p}-sensor"), app.Http($"{p}-actuator"),
            () => app.BrokerPid(p))));

    public void Dispose()
    {
        foreach (var c in clients.Values)
        {
            c.Dispose();
        }
    }
}
