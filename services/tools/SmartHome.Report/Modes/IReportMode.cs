namespace SmartHome.Report.Modes;

/// <summary>One <c>--mode</c>: what it measures into the context's results.</summary>
public interface IReportMode
{
    ReportMode Mode { get; }

    /// <summary>False for modes that run in-process, so the runner neither starts nor attaches to an app.</summary>
    bool NeedsApp { get; }

    Task RunAsync(ReportContext context, CancellationToken ct);
}
