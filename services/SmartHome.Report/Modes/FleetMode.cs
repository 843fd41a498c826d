namespace SmartHome.Report.Modes;

/// <summary><c>--mode fleet</c>: the actuator's receiver classes against many device identities, in-process (no broker).</summary>
public sealed class FleetMode : IReportMode
{
    public ReportMode Mode => ReportMode.Fleet;

    public bool NeedsApp => false;

    public Task RunAsync(ReportContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var options = context.Options;
        var cache = options.FleetKeysDirectory ?? Path.Combine(options.OutputDirectory, "fleet-keys");
        context.Results.Fleet = FleetBench.Run(options.FleetSize, cache, context.Progress);
        context.Results.Note("Fleet mode runs in-process (no broker): it measures the actuator's receiver classes, not MQTT transport.");
        return Task.CompletedTask;
    }
}
