using SmartHome.Report.Chaos;
using SmartHome.Report.Flood;

namespace SmartHome.Report.Modes;

/// <summary>Every mode, one per <see cref="ReportMode"/>.</summary>
public static class ReportModes
{
    public static IReadOnlyList<IReportMode> All { get; } =
        [new FullMode(), new LatencyMode(), new ThroughputMode(), new FleetMode(), new FloodMode(), new ChaosMode(), new SuitesMode()];

    public static IReportMode For(ReportMode mode) => All.Single(m => m.Mode == mode);
}
