using System.Text.Json;
using SmartHome.Report.Modes;

namespace SmartHome.Report.Flood;

/// <summary><c>--mode flood</c>: runs the attacker's sustained flood on each chosen pipeline, one after the other, while measuring the victim.</summary>
public sealed class FloodMode : IReportMode
{
    public ReportMode Mode => ReportMode.Flood;

    public bool NeedsApp => true;

    public async Task RunAsync(ReportContext context, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (app, options, results, progress) = (context.App, context.Options, context.Results, context.Progress);
        results.Campaign = new CampaignStatus(false, "mode 'flood' runs only the attacker's sustained flood (use --mode full for the campaign)");
        var mix = FloodPlan.ParseMix(options.FloodMix);
        var parameters = new FloodParameters(options.FloodRate, FloodPlan.AttackerRate(options.FloodRate, mix), options.FloodSeconds,
            options.FloodPipelines.Count == 2 ? "both" : options.FloodPipelines[0], options.FloodLegitRate, options.FloodMix, options.FloodLevel);
        results.Run = results.Run with { Flood = parameters };
        foreach (var pipeline in options.FloodPipelines)
        {
            using var client = new PipelineClient(pipeline, app.Http($"{pipeline}-sensor"), app.Http($"{pipeline}-actuator"), () => app.BrokerPid(pipeline));
            FloodRunResult result;
            try
            {
                result = await FloodRun.RunAsync(app, client, parameters, options, results, progress, ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or TimeoutException or InvalidOperationException
                                           or OperationCanceledException && !ct.IsCancellationRequested)
            {
                result = FloodRun.NotRun(pipeline, parameters, ReportResults.OneLine(ex.Message));
            }

            results.Flood.Add(result);
            results.Goals.AddRange(FloodAnalysis.Goals(result));
            progress.Line(result.Ran
                ? $"Flood on {pipeline}: {Fmt.Int(result.MessagesSent)} sent at {Fmt.Rate(result.AchievedRatePerSecond)}/s; legit p99 {Fmt.Ms(result.LegitP99Ms)} ms, " +
                  $"{Fmt.Int(result.LegitLost + result.LegitRejected)} of {Fmt.Int(result.LegitSent)} not applied; forged applied {Fmt.Int(result.ForgedApplied)}; " +
                  $"peak working set {Fmt.Bytes(result.PeakWorkingSetBytes)}."
                : $"Flood on {pipeline} not run: {result.Reason}");
        }

        results.Note("Flood mode: the attacker publishes at QoS 0 (fire-and-forget) from a pool of 1,024 prebuilt payloads, paced in batches on a ~1 ms tick; " +
            "every flood message carries one attempt-id label.");
        results.Note("Flood mode: legit readings come from the sensor's POST /publish while the flood runs; the applied decisions are paged every 0.5 s " +
            "(?verdict=applied) during the run, so the actuator's 50,000-entry decision ring cannot overwrite them before they are read.");
        results.Note("Flood mode: 'forged applied' counts every applied decision that is not one of the report's legit readings (labelled by the flood, or an unknown " +
            "message id); the sensor's session-key announcements and the readings the attacker asked for to capture key ids are not counted.");
    }
}
