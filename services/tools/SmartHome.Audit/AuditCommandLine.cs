using System.CommandLine;
using Microsoft.Extensions.Logging;
using SmartHome.Audit.Output;
using SmartHome.Tools;

namespace SmartHome.Audit;

/// <summary>
/// <c>audit &lt;broker URI&gt; [options]</c>. Exit codes: 0 no finding at or above --fail-on; 1 at least one;
/// 2 bad command line or options; 3 the broker could not be audited (unresolvable, or every check failed).
/// </summary>
public static class AuditCommandLine
{
    public const int ExitClean = 0;
    public const int ExitFindings = 1;
    public const int ExitUsage = UsageErrors.ExitCode;
    public const int ExitUnreachable = 3;

    /// <summary>Parses and runs; a command line System.CommandLine rejects exits with <see cref="ExitUsage"/>, not its default 1.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, CancellationToken cancellationToken = default)
    {
        var parse = Build(stdout).Parse(args);
        if (UsageErrors.Reported(parse))
        {
            return UsageErrors.ExitCode;
        }

        return await parse.InvokeAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public static RootCommand Build(TextWriter? stdout = null, ILoggerFactory? loggers = null)
    {
        var broker = new Argument<string>("broker") { Description = "Broker URI: mqtt://host[:1883] or mqtts://host[:8883]." };
        var ca = new Option<FileInfo?>("--ca") { Description = "PEM CA certificate the broker's certificate must chain to (default: the system's roots)." };
        var username = new Option<string?>("--username", "-u") { Description = "Log in as this user for the checks that need a session." };
        var passwordFile = new Option<FileInfo?>("--password-file") { Description = "File whose first line is --username's password (never pass passwords as arguments)." };
        var secondUsername = new Option<string?>("--second-username") { Description = "A second login for the client-id takeover and session leakage checks." };
        var secondPasswordFile = new Option<FileInfo?>("--second-password-file") { Description = "Password file of --second-username." };
        var failOn = new Option<string>("--fail-on") { Description = "Exit 1 when a finding is at or above this severity.", DefaultValueFactory = _ => "medium" };
        failOn.AcceptOnlyFromAmong([.. Enum.GetValues<Severity>().Select(s => s.Name())]);
        var format = new Option<string>("--format", "-f") { Description = "json, markdown or sarif (SARIF 2.1.0).", DefaultValueFactory = _ => "markdown" };
        format.AcceptOnlyFromAmong("json", "markdown", "sarif");
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Write the report here instead of standard output." };
        var guessing = new Option<bool>("--allow-credential-guessing") { Description = "Run the credential-guessing check (may lock accounts where the broker locks out)." };
        var takeover = new Option<bool>("--allow-takeover") { Description = "Run the client-id takeover check (disconnects the audit's own test connection)." };
        var plaintextPort = new Option<int>("--plaintext-port") { Description = "Port probed for a plaintext listener beside TLS (0: skip).", DefaultValueFactory = _ => 1883 };
        var guessLimit = new Option<int>("--guess-limit") { Description = "At most this many guesses (1..200).", DefaultValueFactory = _ => 20 };
        var guessRate = new Option<double>("--guess-rate") { Description = "At most this many guesses per second (0.1..20).", DefaultValueFactory = _ => 5 };
        var listen = new Option<double>("--listen-seconds") { Description = "How long subscriptions listen for other clients' messages (0.5..30).", DefaultValueFactory = _ => 3 };
        var oversize = new Option<int>("--oversize-bytes") { Description = "Payload of the one oversized publish (1 KiB..16 MiB).", DefaultValueFactory = _ => 1024 * 1024 };
        var checkTimeout = new Option<double>("--check-timeout") { Description = "Time bound of each check in seconds (5..300).", DefaultValueFactory = _ => 30 };
        var probePrefix = new Option<string>("--probe-prefix") { Description = "First level of the audit's own probe topics.", DefaultValueFactory = _ => "smarthome-audit" };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "No progress log on standard error." };

        var root = new RootCommand("Audits one MQTT broker's configuration and reports what an attacker could do to the SmartHome pipelines.")
        {
            broker, ca, username, passwordFile, secondUsername, secondPasswordFile, failOn, format, output, guessing, takeover,
            plaintextPort, guessLimit, guessRate, listen, oversize, checkTimeout, probePrefix, quiet,
        };

        root.SetAction(async (parse, cancellationToken) =>
        {
            var console = stdout ?? Console.Out;
            var address = BrokerAddress.TryParse(parse.GetValue(broker), out var uriError);
            if (address is null)
            {
                await Console.Error.WriteLineAsync(uriError).ConfigureAwait(false);
                return ExitUsage;
            }

            string? password = null;
            string? secondPassword = null;
            try
            {
                password = ReadPassword(parse.GetValue(passwordFile));
                secondPassword = ReadPassword(parse.GetValue(secondPasswordFile));
            }
            catch (IOException ex)
            {
                await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
                return ExitUsage;
            }

            var second = parse.GetValue(secondUsername) is { } secondUser ? new BrokerIdentity(secondUser, secondPassword)
                : secondPassword is not null ? new BrokerIdentity(null, secondPassword) : null;
            var options = new AuditOptions
            {
                Broker = address,
                CaFile = parse.GetValue(ca)?.FullName,
                Identity = new BrokerIdentity(parse.GetValue(username), password),
                SecondIdentity = second,
                PlaintextPort = parse.GetValue(plaintextPort),
                AllowCredentialGuessing = parse.GetValue(guessing),
                AllowTakeover = parse.GetValue(takeover),
                GuessLimit = parse.GetValue(guessLimit),
                GuessRatePerSecond = parse.GetValue(guessRate),
                ListenTime = TimeSpan.FromSeconds(parse.GetValue(listen)),
                OversizeBytes = parse.GetValue(oversize),
                CheckTimeout = TimeSpan.FromSeconds(parse.GetValue(checkTimeout)),
                ProbeTopicPrefix = parse.GetValue(probePrefix) ?? "smarthome-audit",
            };
            var problems = options.Validate();
            if (problems.Count > 0)
            {
                foreach (var problem in problems)
                {
                    await Console.Error.WriteLineAsync(problem).ConfigureAwait(false);
                }

                return ExitUsage;
            }

            SeverityNames.TryParse(parse.GetValue(failOn), out var threshold);
            var reportFormat = Enum.Parse<ReportFormat>(parse.GetValue(format) ?? "markdown", ignoreCase: true);
            using var ownLoggers = loggers is null ? CreateLoggers(parse.GetValue(quiet)) : null;
            var logger = (loggers ?? ownLoggers!).CreateLogger("SmartHome.Audit");

            AuditReport report;
            try
            {
                report = await Auditor.RunAsync(options, logger, cancellationToken).ConfigureAwait(false);
            }
            catch (System.Net.Sockets.SocketException ex)
            {
                await Console.Error.WriteLineAsync($"Cannot resolve {address.Host}: {ex.Message}").ConfigureAwait(false);
                return ExitUnreachable;
            }

            var text = ReportWriter.Render(report, reportFormat);
            if (parse.GetValue(output) is { } file)
            {
                if (file.DirectoryName is { } directory)
                {
                    Directory.CreateDirectory(directory);
                }

                await File.WriteAllTextAsync(file.FullName, text, cancellationToken).ConfigureAwait(false);
                AuditLog.ReportWritten(logger, file.FullName);
            }
            else
            {
                await console.WriteLineAsync(text).ConfigureAwait(false);
            }

            if (report.Checks.All(c => c.Status is CheckStatus.Error or CheckStatus.Skipped))
            {
                return ExitUnreachable;
            }

            return report.FailsAt(threshold) ? ExitFindings : ExitClean;
        });
        return root;
    }

    private static string? ReadPassword(FileInfo? file)
    {
        if (file is null)
        {
            return null;
        }

        if (!file.Exists)
        {
            throw new IOException($"Password file '{file.FullName}' does not exist.");
        }

        var line = File.ReadLines(file.FullName).FirstOrDefault()?.TrimEnd('\r', '\n');
        return string.IsNullOrEmpty(line) ? throw new IOException($"Password file '{file.FullName}' has no password on its first line.") : line;
    }

    private static ILoggerFactory CreateLoggers(bool quiet) => LoggerFactory.Create(logging =>
    {
        logging.SetMinimumLevel(quiet ? LogLevel.Warning : LogLevel.Information);
        logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        // Progress goes to stderr: stdout carries the report.
        logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    });
}
