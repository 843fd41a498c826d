using Microsoft.Extensions.Logging;

namespace SmartHome.Audit;

/// <summary>The audit's progress messages (stderr on the command line, the AppHost's log under the dashboard command).</summary>
public static partial class AuditLog
{
    [LoggerMessage(LogLevel.Information, "Auditing {Broker} ({Address}) as {Identity}; run {RunId}, probe topics under {ProbeRoot}/")]
    public static partial void Started(ILogger logger, string broker, string address, string identity, string runId, string probeRoot);

    [LoggerMessage(LogLevel.Information, "Check {Check}: {Status} in {DurationMs:F0} ms, {FindingCount} finding(s). {Summary}")]
    public static partial void CheckFinished(ILogger logger, string check, string status, double durationMs, int findingCount, string summary);

    [LoggerMessage(LogLevel.Warning, "Check {Check} stopped after its time bound of {TimeoutSeconds:F0} s")]
    public static partial void CheckTimedOut(ILogger logger, string check, double timeoutSeconds);

    [LoggerMessage(LogLevel.Warning, "Check {Check} failed: {Error}")]
    public static partial void CheckFailed(ILogger logger, string check, string error);

    [LoggerMessage(LogLevel.Information, "Audit of {Broker} done in {DurationMs:F0} ms: {FindingCount} finding(s), highest {Highest}")]
    public static partial void Finished(ILogger logger, string broker, double durationMs, int findingCount, string highest);

    [LoggerMessage(LogLevel.Information, "Report written to {Path}")]
    public static partial void ReportWritten(ILogger logger, string path);
}
