namespace SmartHome.Report.Modes;

/// <summary><c>--mode full</c> (the default): latency run, attack campaign and crypto breakdown.</summary>
public sealed class FullMode : IReportMode
{
    public ReportMode Mode => ReportMode.Full;

    public bool NeedsApp => true;

    public Task RunAsync(ReportContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        return LatencyRun.RunWithCryptoAsync(context,
            results => CampaignRun.RunAsync(context.App, context.Options, results, context.Progress, ct), ct);
    }
}
