namespace SmartHome.Report.Modes;

/// <summary>What the runner sets up for every mode: the options, the results being filled, progress, keys and the app.</summary>
public sealed class ReportContext(ReportOptions options, ReportResults results, ConsoleProgress progress, string keysDirectory, IAppTarget? app)
{
    public ReportOptions Options { get; } = options;

    public ReportResults Results { get; } = results;

    public ConsoleProgress Progress { get; } = progress;

    /// <summary>Keys directory of the started app (the crypto benchmark uses its keys too).</summary>
    public string KeysDirectory { get; } = keysDirectory;

    /// <summary>The started or attached app; only modes with <see cref="IReportMode.NeedsApp"/> have one.</summary>
    public IAppTarget App => app ?? throw new InvalidOperationException("This mode runs in-process, without an app.");
}
