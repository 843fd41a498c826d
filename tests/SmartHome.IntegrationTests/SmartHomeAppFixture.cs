using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace SmartHome.IntegrationTests;

/// <summary>
/// Starts the whole AppHost once per test class on random free ports, with the dashboard enabled so
/// tests can read the telemetry the user would see; disposes it (and every process) afterwards.
/// </summary>
public sealed class SmartHomeAppFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    private readonly string _workDirectory = Path.Combine(Path.GetTempPath(), "smarthome-it-" + Guid.NewGuid().ToString("N")[..8]);

    public DistributedApplication App { get; private set; } = null!;

    /// <summary>The run's control secret, read from the app (the AppHost generated it): the state-changing endpoints need it.</summary>
    public string ControlSecret { get; private set; } = string.Empty;

    public string LogDirectory => Path.Combine(_workDirectory, "logs");

    public string KeysDirectory => Path.Combine(_workDirectory, "keys");

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
            $"--SmartHome:StateDirectory={Path.Combine(_workDirectory, "state")}",
            "--Sensor:ReadingsPerSecond=20",
            .. ExtraArgs,
        ];
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.SmartHome_AppHost>(
            args,
            (options, _) => options.DisableDashboard = false,
            cts.Token);
        builder.Configuration["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true";
        App = await builder.BuildAsync(cts.Token);
        await App.StartAsync(cts.Token);
        ControlSecret = await SmartHome.AppHost.ControlSecret.GetAsync(App.Services, cts.Token);
    }

    public async Task WaitHealthyAsync(params string[] resources)
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        foreach (var resource in resources)
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token);
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

    /// <summary>Polls <paramref name="probe"/> until it returns a value or the timeout passes.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, string what)
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

        throw new TimeoutException($"Timed out after {timeout.TotalSeconds:0} s waiting for {what}." + (last is null ? string.Empty : $" Last error: {last.Message}"));
    }

    public async Task DisposeAsync()
    {
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

/// <summary>JSON shape of the actuator's /decisions entries (only what tests read).</summary>
public sealed record DecisionDto(long Seq, string? MessageId, string? AttemptId, string Sender, string Topic, string Kind,
    string Verdict, string? Reason, double? Value, double? LatencyMs);

public static class HttpJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static async Task<T?> GetAsync<T>(this HttpClient client, string path) =>
        await client.GetFromJsonAsync<T>(path, Options);
}
