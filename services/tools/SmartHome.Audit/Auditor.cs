using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Logging;
using SmartHome.Audit.Checks;

namespace SmartHome.Audit;

/// <summary>Runs every check against one broker, one after another, each within its time bound, and builds the report.</summary>
public static class Auditor
{
    public const string ToolName = "smarthome-audit";

    /// <summary>The checks in the order they run (the anonymous check first: later checks use what it learned).</summary>
    public static IReadOnlyList<IAuditCheck> DefaultChecks() =>
    [
        new AnonymousConnectCheck(),
        new TlsCheck(),
        new PlaintextListenerCheck(),
        new CredentialGuessingCheck(),
        new WildcardReadCheck(),
        new RetainedDisclosureCheck(),
        new PublishOutsideOwnTopicsCheck(),
        new ClientIdTakeoverCheck(),
        new OversizedPayloadCheck(),
        new PersistentSessionLeakageCheck(),
    ];

    public static string ToolVersion =>
        typeof(Auditor).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static async Task<AuditReport> RunAsync(AuditOptions options, ILogger logger, CancellationToken cancellationToken,
        IReadOnlyList<IAuditCheck>? checks = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        var startedAt = DateTimeOffset.UtcNow;
        var total = Stopwatch.StartNew();
        var address = await options.Broker.ResolveAsync(cancellationToken).ConfigureAwait(false);
        var context = new AuditContext(options, address, logger);
        AuditLog.Started(logger, options.Broker.ToString(), address.ToString(), options.Identity.ToString(), context.RunId, context.ProbeTopicRoot);

        var results = new List<CheckResult>();
        foreach (var check in checks ?? DefaultChecks())
        {
            results.Add(await RunOneAsync(check, context, cancellationToken).ConfigureAwait(false));
        }

        var report = new AuditReport
        {
            Tool = ToolName,
            ToolVersion = ToolVersion,
            Target = options.Broker.ToString(),
            Address = address.ToString(),
            Identity = options.Identity.ToString(),
            RunId = context.RunId,
            ProbeTopicRoot = context.ProbeTopicRoot,
            StartedAt = startedAt,
            DurationMs = total.Elapsed.TotalMilliseconds,
            Checks = results,
        };
        AuditLog.Finished(logger, report.Target, report.DurationMs, report.Findings.Count, report.HighestSeverity?.Name() ?? "none");
        return report;
    }

    private static async Task<CheckResult> RunOneAsync(IAuditCheck check, AuditContext context, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(context.Options.CheckTimeout);
        CheckResult result;
        try
        {
            result = await check.RunAsync(context, bound.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            AuditLog.CheckTimedOut(context.Logger, check.Id, context.Options.CheckTimeout.TotalSeconds);
            result = new CheckResult
            {
                Check = check.Id,
                Title = check.Title,
                Status = CheckStatus.Error,
                Summary = $"Stopped after its time bound of {context.Options.CheckTimeout.TotalSeconds:F0} s (--check-timeout).",
            };
        }
#pragma warning disable CA1031 // One failing check must not stop the audit: its error is the result, and the other checks still run.
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            AuditLog.CheckFailed(context.Logger, check.Id, ex.Message);
            result = new CheckResult { Check = check.Id, Title = check.Title, Status = CheckStatus.Error, Summary = $"Failed: {ex.GetBaseException().Message}" };
        }

        result = result with { DurationMs = watch.Elapsed.TotalMilliseconds };
        AuditLog.CheckFinished(context.Logger, check.Id, result.Status.ToString().ToLowerInvariant(), result.DurationMs, result.Findings.Count, result.Summary);
        return result;
    }
}
