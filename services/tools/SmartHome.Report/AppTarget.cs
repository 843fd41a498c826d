using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using SmartHome.AppHost;

namespace SmartHome.Report;

/// <summary>The app the report measures: started here (Aspire.Hosting.Testing) or attached to by URL.</summary>
public interface IAppTarget : IAsyncDisposable
{
    /// <summary>Where the app came from, for the report's run line.</summary>
    string Source { get; }

    string BrokerMode { get; }

    bool Has(string resource);

    HttpClient Http(string resource);

    /// <summary>Starts an explicit-start resource (e.g. an attacker) and waits until it is healthy; returns a reason when it cannot.</summary>
    Task<string?> StartAsync(string resource, CancellationToken cancellationToken);

    /// <summary>OS process id of a pipeline's broker when known (for its CPU time), else null.</summary>
    int? BrokerPid(string pipeline);

    /// <summary>Host and port of the insecure pipeline's (plaintext, anonymous) broker, for the raw broker-hop floor; null when unknown.</summary>
    (string Host, int Port)? InsecureBroker { get; }
}

/// <summary>Starts the whole AppHost on random broker ports with temp log/state dirs; disposes every process afterwards.</summary>
public sealed class ManagedApp : IAppTarget
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    private readonly DistributedApplication _app;
    private readonly string _workDirectory;
    private readonly HashSet<string> _resources;
    private string? _controlSecret;

    private ManagedApp(DistributedApplication app, string workDirectory, string brokerMode)
    {
        _app = app;
        _workDirectory = workDirectory;
        BrokerMode = brokerMode;
        _resources = [.. app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Select(r => r.Name)];
    }

    public string Source => "started by the report (Aspire.Hosting.Testing, random broker ports, Sensor:ReadingsPerSecond=0, no OTLP export)";

    public string BrokerMode { get; }

    /// <summary>
    /// The broker kind the AppHost actually chose, read from its model: with no Broker:Mode given it falls back to the
    /// embedded broker when mosquitto is missing, so the configuration alone would misreport such a run.
    /// </summary>
    private static string BrokerModeOf(DistributedApplication app)
    {
        var brokers = app.Services.GetRequiredService<DistributedApplicationModel>().Resources
            .Where(r => r.Name.EndsWith("-broker", StringComparison.Ordinal)).ToList();
        return brokers switch
        {
            _ when brokers.Any(b => b is EmbeddedBrokerResource) => "embedded",
            _ when brokers.Any(b => b is ContainerResource) => "container",
            _ => "executable",
        };
    }

    /// <summary>Where the services keep their durable state (per pipeline: the sensor's outbox, the actuator's journal).</summary>
    public string StateDirectory => Path.Combine(_workDirectory, "state");

    /// <summary>Runs a resource command (e.g. Start) on a resource of the app; returns why it failed, or null.</summary>
    public async Task<string?> ExecuteAsync(string resource, string command, CancellationToken cancellationToken)
    {
        var commands = _app.Services.GetRequiredService<ResourceCommandService>();
        var result = await commands.ExecuteCommandAsync(resource, command, cancellationToken).ConfigureAwait(false);
        return result.Success ? null : result.Message ?? "failed";
    }

    /// <summary>The resource's state as the dashboard shows it (Running, Exited, Crash loop, ...), or null when unknown.</summary>
    public string? StateOf(string resource) =>
        _app.ResourceNotifications.TryGetCurrentState(resource, out var state) ? state.Snapshot.State?.Text : null;

    /// <param name="settings">More AppHost settings, <c>--Key=Value</c> (suites mode: <c>--Security:Suite=modern</c>).</param>
    public static async Task<ManagedApp> StartAsync(string keysDirectory, string? brokerMode, ConsoleProgress progress, CancellationToken cancellationToken,
        IReadOnlyList<string>? settings = null)
    {
        var work = Path.Combine(Path.GetTempPath(), "smarthome-report-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        string[] args =
        [
            "--Pipelines:Insecure:BrokerPort=0",
            "--Pipelines:Secure:BrokerPort=0",
            $"--SmartHome:LogDirectory={Path.Combine(work, "logs")}",
            $"--SmartHome:StateDirectory={Path.Combine(work, "state")}",
            $"--SmartHome:KeysDirectory={keysDirectory}",
            // Only the report's own readings flow, so every decision is one the report asked for.
            "--Sensor:ReadingsPerSecond=0",
            // No dashboard runs here: exporting spans would only serialize, fail and retry, and bill that to the pipelines.
            "--Telemetry:Export=false",
            .. brokerMode is null ? Array.Empty<string>() : [$"--Broker:Mode={brokerMode}"],
            .. settings ?? [],
        ];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        progress.Line("Starting the AppHost (both pipelines, random broker ports)...");
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.SmartHome_AppHost>(args,
            (options, _) => options.DisableDashboard = true, timeout.Token).ConfigureAwait(false);
        // The report's console is for its progress bar: only warnings from the hosting machinery.
        builder.Configuration["Logging:LogLevel:Default"] = "Warning";
        builder.Configuration["Logging:LogLevel:System.Net.Http"] = "Warning";
        var app = await builder.BuildAsync(timeout.Token).ConfigureAwait(false);
        var managed = new ManagedApp(app, work, BrokerModeOf(app));
        try
        {
            await app.StartAsync(timeout.Token).ConfigureAwait(false);
            // The app generated this run's secret; the report's POSTs (publish, campaign, flood) need it.
            managed._controlSecret = await SmartHome.AppHost.ControlSecret.GetAsync(app.Services, timeout.Token).ConfigureAwait(false);
            string[] needed = ["insecure-actuator", "insecure-sensor", "secure-actuator", "secure-sensor"];
            for (var i = 0; i < needed.Length; i++)
            {
                progress.Report("waiting for resources", (double)i / needed.Length, needed[i]);
                await app.ResourceNotifications.WaitForResourceHealthyAsync(needed[i], timeout.Token).ConfigureAwait(false);
            }

            progress.Line("App healthy.");
            return managed;
        }
        catch
        {
            await managed.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public bool Has(string resource) => _resources.Contains(resource);

    public HttpClient Http(string resource)
    {
        var client = _app.CreateHttpClient(resource);
        client.Timeout = Timeout.InfiniteTimeSpan;
        ControlHeader.Add(client, _controlSecret);
        return client;
    }

    public async Task<string?> StartAsync(string resource, CancellationToken cancellationToken)
    {
        if (!Has(resource))
        {
            return $"the AppHost has no resource '{resource}'";
        }

        var commands = _app.Services.GetRequiredService<ResourceCommandService>();
        var result = await commands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, cancellationToken).ConfigureAwait(false);
        if (!result.Success)
        {
            return $"starting '{resource}' failed: {result.Message}";
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, timeout.Token).ConfigureAwait(false);
        return null;
    }

    public int? BrokerPid(string pipeline) => ResourcePid($"{pipeline}-broker");

    public (string Host, int Port)? InsecureBroker
    {
        get
        {
            var broker = _app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<IMosquittoBroker>()
                .FirstOrDefault(r => r.Name == "insecure-broker");
            return broker switch
            {
                ExternalBrokerResource external when Uri.TryCreate(external.Uri, UriKind.Absolute, out var uri) => (uri.Host, uri.Port),
                { Endpoint.IsAllocated: true } hosted => ("127.0.0.1", hosted.Endpoint.Port),
                _ => null,
            };
        }
    }

    /// <summary>The OS process id Aspire reports for an executable resource (a broker), else null.</summary>
    public int? ResourcePid(string resource)
    {
        if (_app.ResourceNotifications.TryGetCurrentState(resource, out var state))
        {
            var pid = state.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value;
            return pid switch
            {
                int i => i,
                long l => (int)l,
                string s when int.TryParse(s, out var v) => v,
                _ => null,
            };
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
            try
            {
                Directory.Delete(_workDirectory, recursive: true);
            }
            catch (IOException)
            {
                // a log file may still be closing; temp is cleaned by the OS
            }
        }
    }
}

/// <summary>A running app, reached by the URLs given on the command line (and its control secret, from --control-secret-file).</summary>
public sealed class AttachedApp(IReadOnlyDictionary<string, Uri> urls, string brokerMode, string? controlSecret) : IAppTarget
{
    public string Source => "attached to a running app (" + string.Join(", ", urls.Select(kv => $"{kv.Key}={kv.Value}")) + ")";

    public string BrokerMode => brokerMode;

    public bool Has(string resource) => urls.ContainsKey(resource);

    public HttpClient Http(string resource)
    {
        var client = new HttpClient { BaseAddress = urls[resource], Timeout = Timeout.InfiniteTimeSpan };
        ControlHeader.Add(client, controlSecret);
        return client;
    }

    public async Task<string?> StartAsync(string resource, CancellationToken cancellationToken)
    {
        if (!Has(resource))
        {
            return $"no --{resource} URL was given";
        }

        using var http = Http(resource);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            using var response = await http.GetAsync(new Uri("/health", UriKind.Relative), timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null : $"{resource} /health answered {(int)response.StatusCode} (start it in the dashboard)";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return $"{resource} is not reachable at {urls[resource]}: {ex.Message}";
        }
    }

    public int? BrokerPid(string pipeline) => null;

    public (string Host, int Port)? InsecureBroker =>
        urls.TryGetValue("insecure-broker", out var uri) && uri.Scheme == "mqtt" && uri.Port > 0 ? (uri.Host, uri.Port) : null;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>The services' state-changing endpoints want <c>Authorization: Bearer &lt;control secret&gt;</c>.</summary>
internal static class ControlHeader
{
    public static void Add(HttpClient client, string? secret)
    {
        if (!string.IsNullOrEmpty(secret))
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        }
    }
}
