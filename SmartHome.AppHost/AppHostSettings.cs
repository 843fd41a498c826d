using System.Globalization;
using Microsoft.Extensions.Configuration;
using SmartHome.AppHost.Brokers;
using SmartHome.AppHost.Supervision;

namespace SmartHome.AppHost;

/// <summary>Everything the composition reads from configuration (appsettings.json, command line, environment).</summary>
public sealed class AppHostSettings
{
    public required string RepositoryRoot { get; init; }

    public required string RunDirectory { get; init; }

    public required string LogDirectory { get; init; }

    public required string KeysDirectory { get; init; }

    public required string StateDirectory { get; init; }

    public BrokerMode BrokerMode { get; init; }

    public string? MosquittoPath { get; init; }

    public bool InsecureEnabled { get; init; }

    public bool SecureEnabled { get; init; }

    public int InsecurePort { get; init; }

    public int SecurePort { get; init; }

    public string ReadingsPerSecond { get; init; } = "4";

    /// <summary>The secure pipeline's crypto suite (<c>Security:Suite</c>: seed, modern or session-signed; default seed), handed to its actuator and sensor.</summary>
    public string Suite { get; init; } = SmartHome.Security.CryptoSuites.SeedName;

    /// <summary><c>Broker:Mode=external</c>: the AppHost starts no broker; each enabled pipeline's broker is one of these.</summary>
    public bool UsesExternalBrokers { get; init; }

    public ExternalBrokerSettings? ExternalInsecure { get; init; }

    public ExternalBrokerSettings? ExternalSecure { get; init; }

    /// <summary>
    /// False (<c>Telemetry:Export=false</c>): services record spans and metrics but do not export them over OTLP. For
    /// runs without a dashboard (the report), where exporting would only serialize, fail and retry into the void.
    /// </summary>
    public bool ExportTelemetry { get; init; } = true;

    /// <summary>How brokers and pipeline services are restarted after a crash (configuration section <c>Supervision</c>).</summary>
    public RestartPolicy RestartPolicy { get; init; } = new();

    /// <summary>A setup problem the user must fix, as one sentence; null when all is well.</summary>
    public string? Error { get; init; }

    private static bool PortIsFree(int port)
    {
        try
        {
            using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (System.Net.Sockets.SocketException)
        {
            return false;
        }
    }

    public static AppHostSettings Load(IDistributedApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var root = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
        string Dir(string key, string fallback) => Path.GetFullPath(config[key] is { Length: > 0 } v ? v : Path.Combine(root, fallback));

        var modeText = config["Broker:Mode"] ?? "executable";
        string? error = null;
        var external = string.Equals(modeText, ExternalBrokers.Mode, StringComparison.OrdinalIgnoreCase);
        var mode = BrokerMode.Executable;
        if (!external && (!Enum.TryParse(modeText, ignoreCase: true, out mode) || !Enum.IsDefined(mode)))
        {
            error = $"Broker:Mode '{modeText}' is not known: use 'executable' (the host's mosquitto), 'container' (eclipse-mosquitto:2), " +
                    "'embedded' (the built-in MQTTnet broker) or 'external' (a broker the AppHost does not start).";
        }

        var mosquitto = mode == BrokerMode.Executable && !external ? MosquittoLocator.Find(config["Broker:MosquittoPath"]) : null;
        if (error is null && !external && mode == BrokerMode.Executable && mosquitto is null
            && config["Broker:Mode"] is null && config["Broker:MosquittoPath"] is not { Length: > 0 })
        {
            // Nothing asked for explicitly and no mosquitto here: the embedded broker runs the same files.
            mode = BrokerMode.Embedded;
            Console.WriteLine("info: Mosquitto was not found; using the embedded broker (Broker:Mode=embedded) with the same users, " +
                              "passwords and ACLs. Install mosquitto or pass --Broker:Mode=executable|container to choose.");
        }

        if (error is null && !external && mode == BrokerMode.Executable && mosquitto is null)
        {
            error = config["Broker:MosquittoPath"] is { Length: > 0 } path
                ? $"Broker:MosquittoPath '{path}' does not exist."
                : MosquittoLocator.InstallHint;
        }

        var insecure = config.GetValue("Pipelines:Insecure:Enabled", true);
        var secure = config.GetValue("Pipelines:Secure:Enabled", true);
        var insecurePort = config.GetValue("Pipelines:Insecure:BrokerPort", 1883);
        var securePort = config.GetValue("Pipelines:Secure:BrokerPort", 8883);
        if (error is null && !insecure && !secure)
        {
            error = "Both pipelines are disabled (Pipelines:Insecure:Enabled and Pipelines:Secure:Enabled): enable at least one.";
        }

        foreach (var (enabled, port, key) in new[] { (insecure, insecurePort, "Pipelines:Insecure:BrokerPort"), (secure, securePort, "Pipelines:Secure:BrokerPort") })
        {
            if (error is null && !external && enabled && port != 0 && !PortIsFree(port))
            {
                error = $"Port {port} is already in use (often the system's own mosquitto service: `sudo systemctl stop mosquitto`); " +
                        $"free it or choose another with --{key}=<port> (0 = any free port).";
            }
        }

        ExternalBrokerSettings? externalInsecure = null, externalSecure = null;
        if (external && error is null)
        {
            string? problem = null;
            if (insecure)
            {
                (externalInsecure, problem) = ExternalBrokers.Read(config, "insecure");
            }

            if (secure && problem is null)
            {
                (externalSecure, problem) = ExternalBrokers.Read(config, "secure");
            }

            error = problem;
        }

        error ??= ControlSecret.Problem(config);
        var suite = config["Security:Suite"] is { Length: > 0 } suiteName ? suiteName : SmartHome.Security.CryptoSuites.SeedName;
        if (error is null && !SmartHome.Security.CryptoSuites.TryParse(suite, out _))
        {
            error = $"Security:Suite is '{suite}', not one of {string.Join(", ", SmartHome.Security.CryptoSuites.Names)}.";
        }
        var policy = new RestartPolicy();
        try
        {
            policy = config.GetSection(RestartPolicy.SectionName).Get<RestartPolicy>() ?? policy;
            error ??= policy.Problems() is { Count: > 0 } problems ? string.Join(" ", problems) : null;
        }
        catch (InvalidOperationException ex)
        {
            // A value that is not a number or a time span (e.g. --Supervision:InitialBackoff=soon).
            error ??= $"The Supervision settings cannot be read ({ex.InnerException?.Message ?? ex.Message}); " +
                      "times are written hh:mm:ss[.fff], e.g. --Supervision:InitialBackoff=00:00:01.";
            policy = new RestartPolicy();
        }

        var runDirectory = Path.Combine(Path.GetTempPath(), "smarthome-apphost",
            Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

        return new AppHostSettings
        {
            RepositoryRoot = root,
            RunDirectory = runDirectory,
            LogDirectory = Dir("SmartHome:LogDirectory", "logs"),
            KeysDirectory = Dir("SmartHome:KeysDirectory", "keys"),
            StateDirectory = Dir("SmartHome:StateDirectory", "state"),
            BrokerMode = mode,
            MosquittoPath = mosquitto,
            InsecureEnabled = insecure,
            SecureEnabled = secure,
            InsecurePort = insecurePort,
            SecurePort = securePort,
            ReadingsPerSecond = config["Sensor:ReadingsPerSecond"] ?? "4",
            Suite = suite,
            RestartPolicy = policy,
            UsesExternalBrokers = external,
            ExternalInsecure = externalInsecure,
            ExternalSecure = externalSecure,
            ExportTelemetry = !string.Equals(config["Telemetry:Export"], "false", StringComparison.OrdinalIgnoreCase),
            Error = error,
        };
    }
}
