using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SmartHome.Audit;
using SmartHome.Audit.Output;
using SmartHome.Security;

namespace SmartHome.AppHost;

/// <summary>
/// The dashboard command "Audit broker" on each lab broker: runs services/tools/SmartHome.Audit in-process against the
/// broker's endpoint, logs every check to the AppHost log and writes the report as Markdown, JSON and SARIF to
/// metrics/audit/ (<c>Audit:ReportDirectory</c>). The secure broker is audited as 'auditor' (a valid login with no
/// topic rights) with 'health' as the second identity, trusting keys/broker/ca.crt.pem.
/// </summary>
public static partial class BrokerAuditCommand
{
    public const string Name = "audit";

    public static IResourceBuilder<IMosquittoBroker> WithAuditCommand(this IResourceBuilder<IMosquittoBroker> broker, AppHostSettings settings,
        KeyPaths? keys = null)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(settings);
        return broker.WithCommand(Name, "Audit broker", context => RunAsync(context, broker.Resource, settings, keys), new CommandOptions
        {
            Description = "Checks this broker's configuration from the outside (anonymous access, TLS, ACL reach, retained messages, client ids, " +
                          "packet size, sessions) and writes a Markdown, JSON and SARIF report to metrics/audit/.",
            IconName = "ShieldTask",
            UpdateState = ctx => ctx.ResourceSnapshot.HealthStatus == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy
                ? ResourceCommandState.Enabled
                : ResourceCommandState.Disabled,
        });
    }

    /// <summary>The audit options for one lab broker; <paramref name="configuration"/>'s <c>Audit:*</c> keys choose the opt-in checks.</summary>
    public static AuditOptions Options(IMosquittoBroker broker, int port, IConfiguration configuration, KeyPaths? keys)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(configuration);
        var external = broker as ExternalBrokerResource;
        var address = BrokerAddress.TryParse(external?.Uri ?? (broker.UseTls ? $"mqtts://localhost:{port}" : $"mqtt://127.0.0.1:{port}"), out _)!;
        var options = new AuditOptions
        {
            Broker = address,
            // The lab's own brokers: the AppHost config (appsettings.json) is the explicit opt-in for these two checks.
            AllowCredentialGuessing = configuration.GetValue("Audit:AllowCredentialGuessing", true),
            AllowTakeover = configuration.GetValue("Audit:AllowTakeover", true),
            // The other lab broker listens in plaintext on this host: probing 1883 from the secure broker's audit would
            // report that other broker as this one's plaintext listener.
            PlaintextPort = 0,
        };
        if (keys is null || !broker.UseTls)
        {
            return options;
        }

        return options with
        {
            CaFile = external is null ? keys.BrokerCaCertificate : external.CaFile,
            Identity = new BrokerIdentity(BrokerAcl.Auditor, BrokerPasswords.ReadPasswordFile(keys.BrokerPassword(BrokerAcl.Auditor))),
            SecondIdentity = new BrokerIdentity(BrokerAcl.Health, BrokerPasswords.ReadPasswordFile(keys.BrokerPassword(BrokerAcl.Health))),
        };
    }

    private static async Task<ExecuteCommandResult> RunAsync(ExecuteCommandContext context, IMosquittoBroker broker, AppHostSettings settings, KeyPaths? keys)
    {
        if (broker is not ExternalBrokerResource && !broker.Endpoint.IsAllocated)
        {
            return CommandResults.Failure($"{broker.Name} is not running.");
        }

        var configuration = context.Services.GetRequiredService<IConfiguration>();
        try
        {
            var options = Options(broker, broker is ExternalBrokerResource ? 0 : broker.Endpoint.Port, configuration, keys);
            var report = await Auditor.RunAsync(options, context.Logger, context.CancellationToken).ConfigureAwait(false);
            var directory = configuration["Audit:ReportDirectory"] is { Length: > 0 } configured
                ? Path.GetFullPath(configured)
                : Path.Combine(settings.RepositoryRoot, "metrics", "audit");
            Directory.CreateDirectory(directory);
            var stem = Path.Combine(directory, $"{broker.Name}-{report.StartedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");
            foreach (var format in Enum.GetValues<ReportFormat>())
            {
                await File.WriteAllTextAsync(stem + ReportWriter.Extension(format), ReportWriter.Render(report, format), context.CancellationToken).ConfigureAwait(false);
            }

            var markdown = new Uri(stem + ".md").AbsoluteUri;
            Log.ReportReady(context.Logger, broker.Name, report.Findings.Count, report.HighestSeverity?.Name() ?? "none", markdown);
            var worst = string.Join(", ", report.Findings.Take(6).Select(f => $"{f.RuleId} ({f.Severity.Name()})"));
            return new ExecuteCommandResult
            {
                Success = true,
                Message = $"{report.Findings.Count} finding(s){(worst.Length > 0 ? ": " + worst : string.Empty)}" +
                          $"{(report.Findings.Count > 6 ? $" and {report.Findings.Count - 6} more" : string.Empty)}. Report: {markdown}",
            };
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or KeyMaterialException or ArgumentException or System.Net.Sockets.SocketException)
        {
            return CommandResults.Failure($"audit failed: {ex.Message}");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(LogLevel.Information, "Audit of {Broker}: {FindingCount} finding(s), highest {Highest}; report {ReportUri} (also .json and .sarif)")]
        public static partial void ReportReady(ILogger logger, string broker, int findingCount, string highest, string reportUri);
    }
}
