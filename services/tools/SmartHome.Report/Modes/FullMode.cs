namespace SmartHome.Report.Modes;

/// <summary><c>--mode full</c> (the default): latency run, attack campaign and crypto breakdown.</summary>
public sealed class FullMode : IReportMode
{
    public ReportMode Mode => ReportMode.Full;

    public bool NeedsApp => true;

    public async Task RunAsync(ReportContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var results = context.Results;
        using var clients = PipelineClients.ForBoth(context.App);
        await LatencyRun.RunAsync(clients, context.Options, results, context.Progress, ct).ConfigureAwait(false);
        await CampaignRun.RunAsync(context.App, context.Options, results, context.Progress, ct).ConfigureAwait(false);
        results.Crypto = CryptoRun.Run(context.KeysDirectory, context.Options.CryptoIterations, results, context.Progress);
        LatencyRun.AddGoals(results);
    }
}
