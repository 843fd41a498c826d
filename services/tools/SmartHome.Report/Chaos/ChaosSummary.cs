using System.Globalization;
using System.Text;

namespace SmartHome.Report.Chaos;

/// <summary>summary.md's chaos section: the delivery verdict per pipeline, then every fault as it happened.</summary>
public static class ChaosSummary
{
    public static string Render(ChaosResult chaos)
    {
        ArgumentNullException.ThrowIfNull(chaos);
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(c, $"Seed **{chaos.Seed}**: {chaos.Faults.Count} faults in {chaos.Seconds:0} s at {chaos.RatePerSecond:0.#} readings/s per ")
          .Append(c, $"pipeline; afterwards the sensors' outboxes drained in {chaos.DrainSeconds:0.0} s.\n\n");
        sb.Append("| Pipeline | Sent | Applied once | Lost | Applied twice | Dropped by outbox policy | Refused for good | Faults | Longest recovery |\n")
          .Append("|---|---|---|---|---|---|---|---|---|\n");
        foreach (var p in chaos.Pipelines)
        {
            var d = p.Delivery;
            var longest = p.LongestRecoverySeconds is { } s ? string.Create(c, $"{s:0.0} s ({p.SlowestFault})") : "**not recovered**";
            sb.Append(c, $"| {p.Pipeline} | {d.Sent} | {d.AppliedOnce} | {Bold(d.Lost)} | {Bold(d.AppliedTwice)} | {d.DroppedByPolicy} | ")
              .Append(c, $"{d.RejectedForGood} | {p.Faults} | {longest} |\n");
        }

        foreach (var p in chaos.Pipelines.Where(p => p.Delivery.Lost > 0 || p.Delivery.AppliedTwice > 0))
        {
            sb.Append(c, $"\n{p.Pipeline}: lost {string.Join(", ", p.Delivery.LostSample)}; applied twice {string.Join(", ", p.Delivery.AppliedTwiceSample)}.\n");
        }

        sb.Append("\nSent = readings a sensor took into its durable outbox (its file, read while it ran) or named in a publish answer, ")
          .Append("plus any the actuator's journal applied; judged by message id on the actuator's applied journal after the outboxes drained. ")
          .Append("Recovery runs from the fault's end (the SIGKILL, or the SIGCONT after the pause) until that pipeline's actuator applies a reading again, ")
          .Append("after a SIGKILL once the killed process's replacement runs; ")
          .Append("a killed process is restarted by the AppHost's supervision, nobody presses Start.\n\n");
        sb.Append("| # | At (s) | Pipeline | Process | Fault | Pause (s) | Recovered in (s) | Note |\n|---|---|---|---|---|---|---|---|\n");
        foreach (var f in chaos.Faults)
        {
            sb.Append(c, $"| {f.Index} | {f.AtSeconds:0.0} | {f.Pipeline} | {f.Role} | {f.Kind} | {(f.PauseSeconds > 0 ? f.PauseSeconds.ToString("0.0", c) : "")} | ")
              .Append(f.RecoverySeconds is { } r ? r.ToString("0.00", c) : "**—**").Append(" | ").Append(f.Note ?? string.Empty).Append(" |\n");
        }

        return sb.ToString();
    }

    private static string Bold(int count) => count == 0 ? "0" : $"**{count}**";
}
