namespace SmartHome.Report.Modes;

/// <summary><c>--mode fleet</c>: the actuator's receiver classes against many device identities, in-process (no broker).</summary>
public sealed class FleetMode : IReportMode
{
    public ReportMode Mode => ReportMode.Fleet;

    public bool NeedsApp => false;

    public async Task RunAsync(ReportContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.Options;
        var cache = options.FleetKeysDirectory ?? Path.Combine(options.OutputDirectory, "fleet-keys");
        context.Results.Fleet = await FleetBench.RunAsync(options.FleetSize, cache, context.Progress).ConfigureAwait(false);
        context.Results.Note("Fleet mode runs in-process (no broker): it measures the actuator's receiver classes, not MQTT transport.");
    }
}
