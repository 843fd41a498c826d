namespace SmartHome.Report.Modes;

/// <summary><c>--mode latency</c>: the latency run and the crypto breakdown, without the attack campaign.</summary>
public sealed class LatencyMode : IReportMode
{
    public ReportMode Mode => ReportMode.Latency;

    public bool NeedsApp => true;

    public async Task RunAsync(ReportContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var results = context.Results;
        using var clients = PipelineClients.ForBoth(context.App);
        await LatencyRun.RunAsync(clients, context.Options, results, context.Progress, ct).ConfigureAwait(false);
        results.Campaign = new CampaignStatus(false, "mode 'latency' does not run the attack campaign (use --mode full)");
        results.Crypto = CryptoRun.Run(context.KeysDirectory, context.Options.CryptoIterations, results, context.Progress);
        LatencyRun.AddGoals(results);
    }
}
