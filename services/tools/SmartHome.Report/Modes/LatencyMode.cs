namespace SmartHome.Report.Modes;

/// <summary><c>--mode latency</c>: the latency run and the crypto breakdown, without the attack campaign.</summary>
public sealed class LatencyMode : IReportMode
{
    public ReportMode Mode => ReportMode.Latency;

    public bool NeedsApp => true;

    public Task RunAsync(ReportContext context, CancellationToken ct) => LatencyRun.RunWithCryptoAsync(context, results =>
    {
        results.Campaign = new CampaignStatus(false, "mode 'latency' does not run the attack campaign (use --mode full)");
        return Task.CompletedTask;
    }, ct);
}
