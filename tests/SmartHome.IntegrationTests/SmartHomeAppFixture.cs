using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SmartHome.IntegrationTests;

/// <summary>
/// Starts the whole AppHost once per test class on random free ports, with the dashboard enabled so
/// tests can read the telemetry the user would see; disposes it (and every process) afterwards. Without
/// <c>--Broker:Mode</c> in <see cref="ExtraArgs"/> the AppHost picks the host's mosquitto, or the embedded broker
/// where mosquitto is missing, so these tests run on a machine with only the .NET SDK too.
/// </summary>
public sealed class SmartHomeAppFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    /// <summary>Console lines kept per resource for failure reports.</summary>
    private const int KeptConsoleLines = 60;

    private readonly string _workDirectory = Path.Combine(Path.GetTempPath(), "smarthome-it-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>The last console lines of every resource, as Aspire captures them (see <see cref="WatchConsoles"/>).</summary>
    private readonly ConcurrentDictionary<string, Queue<string>> _console = new(StringComparer.Ordinal);

    private readonly CancellationTokenSource _watching = new();

    public DistributedApplication App { get; private set; } = null!;

    /// <summary>The run's control secret, read from the app (the AppHost generated it): the state-changing endpoints need it.</summary>
    public string ControlSecret { get; private set; } = string.Empty;

    public string LogDirectory => Path.Combine(_workDirectory, "logs");

    public string KeysDirectory => Path.Combine(_workDirectory, "keys");

    /// <summary>The services' state (per pipeline: the sensor's outbox, the actuator's applied journal, replay state).</summary>
    public string StateDirectory => Path.Combine(_workDirectory, "state");

    /// <summary>Extra AppHost arguments of a derived fixture.</summary>
    public IList<string> ExtraArgs { get; } = [];

    public async Task InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        string[] args =
        [
            "--Pipelines:Insecure:BrokerPort=0",
            "--Pipelines:Secure:BrokerPort=0",
            $"--SmartHome:LogDirectory={LogDirectory}",
            $"--SmartHome:KeysDirectory={KeysDirectory}",
            $"--SmartHome:StateDirectory={StateDirectory}",
            "--Sensor:ReadingsPerSecond=20",
            .. ExtraArgs,
        ];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.SmartHome_AppHost>(
            args,
            (options, _) => options.DisableDashboard = false,
            cts.Token);
        builder.Configuration["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true";
        App = await builder.BuildAsync(cts.Token);
        WatchConsoles();
        try
        {
            await App.StartAsync(cts.Token);
            ControlSecret = await SmartHome.AppHost.ControlSecret.GetAsync(App.Services, cts.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or DistributedApplicationException)
        {
            throw new TimeoutException(
                $"The app did not start within {StartTimeout.TotalMinutes:0} min ({ex.Message}).\n" + await DescribeResourcesAsync(), ex);
        }
    }

    /// <summary>
    /// Waits until every resource is healthy; if one is not within <see cref="StartTimeout"/> (or fails to start), the
    /// failure names it and shows every resource's state and the last log lines of those that are not healthy.
    /// </summary>
    public async Task WaitHealthyAsync(params string[] resources)
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        foreach (var resource in resources)
        {
            try
            {
                await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or DistributedApplicationException or InvalidOperationException)
            {
                throw new TimeoutException(
                    $"'{resource}' did not become healthy within {StartTimeout.TotalMinutes:0} min ({ex.Message}).\n" +
                    await DescribeResourcesAsync(resources), ex);
            }
        }
    }

    /// <summary>
    /// What a failed wait needs to say: one line per resource of the app (state, health, exit code, failing health
    /// checks), then the last lines each resource in <paramref name="focus"/> and each unhealthy one wrote: its console
    /// as Aspire captured it, else its JSON log file in <see cref="LogDirectory"/>.
    /// </summary>
    public Task<string> DescribeResourcesAsync(params string[] focus)
    {
        var model = App.Services.GetRequiredService<DistributedApplicationModel>();
        var report = new System.Text.StringBuilder("Resources:\n");
        var logsOf = new List<string>(focus);
        var running = new List<string>();
        foreach (var resource in model.Resources)
        {
            if (!App.ResourceNotifications.TryGetCurrentState(resource.Name, out var current))
            {
                report.Append(CultureInfo.InvariantCulture, $"  {resource.Name}: no state yet\n");
                logsOf.Add(resource.Name);
                continue;
            }

            var snapshot = current.Snapshot;
            if (snapshot.IsHidden)
            {
                continue; // Aspire's own helpers (the *-rebuilder resources): not part of the app
            }

            var state = snapshot.State?.Text ?? "unknown";
            var failing = snapshot.HealthReports.Where(h => h.Status != HealthStatus.Healthy)
                .Select(h => $"{h.Name}: {h.Status?.ToString() ?? "pending"} {h.Description ?? h.ExceptionText}".TrimEnd()).ToList();
            var exit = snapshot.ExitCode is { } code ? string.Create(CultureInfo.InvariantCulture, $", exit code {code}") : string.Empty;
            var checks = failing.Count > 0 ? $" [{string.Join("; ", failing)}]" : string.Empty;
            report.Append(CultureInfo.InvariantCulture, $"  {resource.Name}: {state}, health {snapshot.HealthStatus?.ToString() ?? "none"}{exit}{checks}\n");
            // Not unhealthy: a resource waiting for an explicit start (attackers, timing-demo) or a one-shot that finished well (keygen).
            var fine = snapshot.HealthStatus == HealthStatus.Healthy || state == KnownResourceStates.NotStarted
                       || (state == KnownResourceStates.Finished && snapshot.ExitCode == 0);
            if (!fine)
            {
                logsOf.Add(resource.Name);
            }
            else if (state == KnownResourceStates.Running)
            {
                running.Add(resource.Name);
            }
        }

        // Everything healthy and nothing named: the running resources' last lines are then the best clue.
        var perResource = 25;
        if (logsOf.Count == 0)
        {
            logsOf.AddRange(running);
            perResource = 10;
        }

        foreach (var name in logsOf.Distinct())
        {
            var lines = ConsoleTail(name, perResource);
            var source = "console";
            if (lines.Count == 0)
            {
                lines = LogFileTail(LogDirectory, name, perResource);
                source = $"{LogDirectory}/{name}.log";
            }

            report.Append(CultureInfo.InvariantCulture, $"Last lines of {name} ({source}):\n");
            report.Append(lines.Count == 0 ? "  (no console line, no log file)\n" : string.Concat(lines.Select(l => "  " + l + "\n")));
        }

        return Task.FromResult(report.ToString());
    }

    /// <summary>
    /// Follows every resource's console from before the start, as Aspire.Hosting.Testing's own log forwarder does: per
    /// resource instance id from the notifications (measured here: reading by model name came back empty, Aspire keys
    /// console logs by instance, e.g. <c>insecure-broker-abcd1234</c>).
    /// </summary>
    private void WatchConsoles()
    {
        var logs = App.Services.GetRequiredService<ResourceLoggerService>();
        var notifications = App.ResourceNotifications;
        _ = Task.Run(async () =>
        {
            var watched = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                await foreach (var resourceEvent in notifications.WatchAsync(_watching.Token))
                {
                    if (watched.Add(resourceEvent.ResourceId))
                    {
                        var lines = _console.GetOrAdd(resourceEvent.Resource.Name, _ => new Queue<string>());
                        _ = FollowAsync(logs, resourceEvent.ResourceId, lines);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // the fixture is being disposed
            }
        });
    }

    private async Task FollowAsync(ResourceLoggerService logs, string resourceId, Queue<string> lines)
    {
        try
        {
            await foreach (var batch in logs.WatchAsync(resourceId).WithCancellation(_watching.Token))
            {
                lock (lines)
                {
                    foreach (var line in batch)
                    {
                        lines.Enqueue(line.Content);
                        if (lines.Count > KeptConsoleLines)
                        {
                            lines.Dequeue();
                        }
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the fixture is being disposed
        }
    }

    /// <summary>The last lines of a resource's console as Aspire captured it (empty if it wrote none).</summary>
    private List<string> ConsoleTail(string resource, int count)
    {
        if (!_console.TryGetValue(resource, out var lines))
        {
            return [];
        }

        lock (lines)
        {
            return [.. lines.TakeLast(count)];
        }
    }

    /// <summary>
    /// The last lines of a service's JSON log (<c>&lt;log directory&gt;/&lt;resource&gt;.log</c>, e.g. insecure-actuator.log);
    /// empty when there is none. Also used where the app runs out of process.
    /// </summary>
    public static List<string> LogFileTail(string logDirectory, string resource, int count)
    {
        var path = Path.Combine(logDirectory, resource + ".log");
        try
        {
            // The service still writes it: share the file rather than wait for it.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            var lines = new Queue<string>();
            while (reader.ReadLine() is { } line)
            {
                lines.Enqueue(line);
                if (lines.Count > count)
                {
                    lines.Dequeue();
                }
            }

            return [.. lines];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>A client of the resource's http endpoint that sends the control secret (as the dashboard commands do).</summary>
    public HttpClient Http(string resource)
    {
        var client = HttpWithoutSecret(resource);
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ControlSecret);
        return client;
    }

    public HttpClient HttpWithoutSecret(string resource)
    {
        var client = App.CreateHttpClient(resource);
        client.Timeout = TimeSpan.FromSeconds(15);
        return client;
    }

    /// <summary>
    /// Polls <paramref name="probe"/> until it returns a value; on timeout the failure also says which resources are
    /// unhealthy and what they (and <paramref name="focus"/>) last logged, so a slow or broken app is told apart from a
    /// wrong expectation.
    /// </summary>
    public Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what, params string[] focus)
        where T : class =>
        PollAsync(probe, timeout, what, () => DescribeResourcesAsync(focus));

    /// <summary>Polls <paramref name="probe"/> until it returns a value or the timeout passes; <paramref name="describe"/> adds context to the timeout.</summary>
    public static async Task<T> PollAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what, Func<Task<string>>? describe = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await probe() is { } value)
                {
                    return value;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException)
            {
                last = ex;
            }

            await Task.Delay(500);
        }

        var context = describe is null ? string.Empty : "\n" + await describe();
        throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}." +
                                   (last is null ? string.Empty : $" Last error: {last.Message}") + context);
    }

    public async Task DisposeAsync()
    {
        await _watching.CancelAsync();
        _watching.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }

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

/// <summary>One running app shared by the pipeline test classes (starting it costs ~30 s on 2 cores).</summary>
[CollectionDefinition(Name)]
public sealed class SmartHomeAppCollection : ICollectionFixture<SmartHomeAppFixture>
{
    public const string Name = "SmartHome app";
}

public static class HttpJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static async Task<T?> GetAsync<T>(this HttpClient client, string path) =>
        await client.GetFromJsonAsync<T>(path, Options);
}
