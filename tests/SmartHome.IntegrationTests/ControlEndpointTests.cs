using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Xunit.Abstractions;

namespace SmartHome.IntegrationTests;

/// <summary>The whole AppHost with the sensors' steady readings off, so a decision count moves only when a test makes it.</summary>
public sealed class QuietAppFixture : IAsyncLifetime
{
    public SmartHomeAppFixture App { get; } = new();

    public QuietAppFixture() => App.ExtraArgs.Add("--Sensor:ReadingsPerSecond=0");

    public Task InitializeAsync() => App.InitializeAsync();

    public Task DisposeAsync() => App.DisposeAsync();
}

/// <summary>
/// The services' HTTP control surfaces against the real app: state-changing endpoints refuse a request without (or with a
/// wrong) per-run control secret and change nothing; with the AppHost's secret they work; /health stays open; every service
/// listens on loopback only; the AppHost's own pipeline control surface (the console's stop/start) refuses the same way.
/// </summary>
public sealed class ControlEndpointTests(QuietAppFixture quiet, ITestOutputHelper output) : IClassFixture<QuietAppFixture>
{
    private const string WrongSecret = "not-the-secret-of-this-run-0123456789";

    private static readonly string[] Services = ["insecure-sensor", "insecure-actuator", "secure-sensor", "secure-actuator"];

    private SmartHomeAppFixture Fixture => quiet.App;

    [Fact]
    public async Task Publish_and_rotate_need_the_control_secret_and_a_refused_request_changes_nothing()
    {
        await Fixture.WaitHealthyAsync(["insecure-broker", "secure-broker", .. Services]);
        foreach (var pipeline in new[] { "insecure", "secure" })
        {
            var actuator = Fixture.HttpWithoutSecret($"{pipeline}-actuator");
            var before = await TotalAsync(actuator);
            foreach (var secret in new[] { null, WrongSecret })
            {
                using var refused = await PostAsync($"{pipeline}-sensor", "/publish?count=5", secret);
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
                Assert.Contains("control secret", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            // Whatever the refused requests could have set off would show within this time (a reading takes milliseconds).
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Equal(before, await TotalAsync(actuator));

            using var accepted = await PostAsync($"{pipeline}-sensor", "/publish?count=5", Fixture.ControlSecret);
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            await Fixture.EventuallyAsync(async () => await TotalAsync(actuator) >= before + 5 ? "moved" : null,
                TimeSpan.FromSeconds(30), $"{pipeline}: five decisions after an authorized /publish");
        }

        // Rotate: the secure actuator's view of the sensor's session keys is the evidence.
        var secureActuator = Fixture.HttpWithoutSecret("secure-actuator");
        var keys = await KeyIdsAsync(secureActuator);
        Assert.NotEmpty(keys);
        foreach (var secret in new[] { null, WrongSecret })
        {
            using var refused = await PostAsync("secure-sensor", "/rotate", secret);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(keys, await KeyIdsAsync(secureActuator));

        using (var rotated = await PostAsync("secure-sensor", "/rotate", Fixture.ControlSecret))
        {
            Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        }

        var afterRotate = await Fixture.EventuallyAsync(async () =>
        {
            var now = await KeyIdsAsync(secureActuator);
            return keys.All(kv => now.TryGetValue(kv.Key, out var id) && id != kv.Value) ? now : null;
        }, TimeSpan.FromSeconds(30), "every device's key id to change after an authorized /rotate");

        // The dashboard command gets the secret from the AppHost itself.
        var command = await Fixture.App.ResourceCommands.ExecuteCommandAsync("secure-sensor", "rotate-key");
        Assert.True(command.Success, command.Message);
        await Fixture.EventuallyAsync(async () =>
        {
            var now = await KeyIdsAsync(secureActuator);
            return afterRotate.All(kv => now.TryGetValue(kv.Key, out var id) && id != kv.Value) ? now : null;
        }, TimeSpan.FromSeconds(30), "every device's key id to change after the rotate-key command");
        var replayWindow = await Fixture.App.ResourceCommands.ExecuteCommandAsync("secure-actuator", "replay-window");
        Assert.True(replayWindow.Success, replayWindow.Message);
    }

    [Fact]
    public async Task Health_is_open_and_reads_need_no_secret()
    {
        await Fixture.WaitHealthyAsync(Services);
        foreach (var service in Services)
        {
            var http = Fixture.HttpWithoutSecret(service);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/process", UriKind.Relative))).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/", UriKind.Relative))).StatusCode);
        }

        var actuator = Fixture.HttpWithoutSecret("secure-actuator");
        foreach (var path in new[] { "/decisions?limit=1", "/decisions/summary", "/replay-window", "/state" })
        {
            Assert.Equal(HttpStatusCode.OK, (await actuator.GetAsync(new Uri(path, UriKind.Relative))).StatusCode);
        }
    }

    [Fact]
    public async Task The_attackers_campaign_and_flood_need_the_control_secret()
    {
        await Fixture.WaitHealthyAsync("insecure-broker", "insecure-actuator", "insecure-sensor");
        var started = await Fixture.App.ResourceCommands.ExecuteCommandAsync("insecure-attacker", KnownResourceCommands.StartCommand);
        Assert.True(started.Success, started.Message);
        await Fixture.WaitHealthyAsync("insecure-attacker");

        foreach (var path in new[] { "/campaign?attempts=1&attacks=inject", "/campaign/restart/prepare?attempts=1", "/campaign/restart/replay",
                     "/flood?rate=10&seconds=1" })
        {
            foreach (var secret in new[] { null, WrongSecret })
            {
                using var refused = await PostAsync("insecure-attacker", path, secret);
                Assert.True(refused.StatusCode == HttpStatusCode.Unauthorized, $"{path} without the right secret: {(int)refused.StatusCode}");
            }
        }

        var attacker = Fixture.HttpWithoutSecret("insecure-attacker");
        Assert.Equal(HttpStatusCode.NotFound, (await attacker.GetAsync(new Uri("/campaign/last", UriKind.Relative))).StatusCode);
        Assert.Contains("\"phase\"", await attacker.GetStringAsync(new Uri("/flood/status", UriKind.Relative)), StringComparison.Ordinal);

        // With the secret it runs; eavesdrop makes the attacker call the sensor's /publish, which needs the secret too.
        using var campaign = await PostAsync("insecure-attacker", "/campaign?attempts=2&attacks=eavesdrop", Fixture.ControlSecret,
            TimeSpan.FromMinutes(2));
        var body = await campaign.Content.ReadAsStringAsync();
        Assert.True(campaign.StatusCode == HttpStatusCode.OK, $"{(int)campaign.StatusCode} {body}");
        using var report = JsonDocument.Parse(body);
        var eavesdrop = report.RootElement.GetProperty("results").EnumerateArray().First(r => r.GetProperty("attack").GetString() == "eavesdrop");
        Assert.Equal(2, eavesdrop.GetProperty("succeeded").GetInt32());
    }

    [Fact]
    public async Task Every_service_listens_on_loopback_only()
    {
        Assert.True(OperatingSystem.IsLinux(), "this test reads /proc to see what each process listens on");
        await Fixture.WaitHealthyAsync(Services);
        var started = await Fixture.App.ResourceCommands.ExecuteCommandAsync("secure-attacker", KnownResourceCommands.StartCommand);
        Assert.True(started.Success, started.Message);
        await Fixture.WaitHealthyAsync("secure-attacker");

        var listening = ListeningSockets.All();
        foreach (var service in Services.Append("secure-attacker"))
        {
            var process = await Fixture.HttpWithoutSecret(service).GetAsync<JsonElement>("/process");
            var pid = process.GetProperty("pid").GetInt32();
            var own = ListeningSockets.OfProcess(pid, listening);
            output.WriteLine($"{service} (pid {pid}) listens on {string.Join(", ", own)}");
            Assert.NotEmpty(own);
            Assert.All(own, e => Assert.True(ListeningSockets.IsLoopback(e.Address), $"{service} listens on {e}"));

            // The address the AppHost hands out (Aspire's proxy in front of the service) is loopback only too.
            var port = Fixture.App.GetEndpoint(service, "http").Port;
            var front = listening.Where(s => s.Endpoint.Port == port).Select(s => s.Endpoint).ToList();
            output.WriteLine($"{service} endpoint port {port}: {string.Join(", ", front)}");
            Assert.NotEmpty(front);
            Assert.All(front, e => Assert.True(ListeningSockets.IsLoopback(e.Address), $"{service}'s endpoint listens on {e}"));
        }
    }

    [Fact]
    public async Task The_apphosts_pipeline_control_surface_needs_the_control_secret_and_stops_nothing_for_anyone_else()
    {
        await Fixture.WaitHealthyAsync("insecure-broker", "insecure-sensor", "home-console");
        // Where the console was told to send its stop/start presses: a loopback port of the AppHost process itself.
        Assert.True(Fixture.App.ResourceNotifications.TryGetCurrentState("home-console", out var console));
        var surface = new Uri(console.Snapshot.EnvironmentVariables.Single(e => e.Name == "Console__PipelineControlUrl").Value!);
        Assert.True(surface.IsLoopback, surface.ToString());

        using var client = new HttpClient();
        foreach (var (path, secret, status) in new[]
                 {
                     ("pipeline/insecure-sensor/stop", null, HttpStatusCode.Unauthorized),
                     ("pipeline/insecure-sensor/stop", WrongSecret, HttpStatusCode.Unauthorized),
                     // With the secret, still only the homes' brokers, sensors and actuators, and only stop and start.
                     ("pipeline/home-console/stop", Fixture.ControlSecret, HttpStatusCode.NotFound),
                     ("pipeline/insecure-sensor/restart", Fixture.ControlSecret, HttpStatusCode.BadRequest),
                 })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(surface, path));
            if (secret is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
            }

            using var refused = await client.SendAsync(request);
            Assert.Equal(status, refused.StatusCode);
        }

        // Judged by the resources: a stop would have shown within this time.
        await Task.Delay(TimeSpan.FromSeconds(2));
        foreach (var resource in new[] { "insecure-sensor", "home-console" })
        {
            Assert.True(Fixture.App.ResourceNotifications.TryGetCurrentState(resource, out var current));
            Assert.Equal(KnownResourceStates.Running, current.Snapshot.State?.Text);
        }
    }

    private async Task<HttpResponseMessage> PostAsync(string resource, string path, string? secret, TimeSpan? timeout = null)
    {
        using var http = Fixture.HttpWithoutSecret(resource);
        http.Timeout = timeout ?? http.Timeout;
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative));
        if (secret is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        }

        return await http.SendAsync(request);
    }

    private static async Task<long> TotalAsync(HttpClient actuator) =>
        (await actuator.GetAsync<JsonElement>("/decisions/summary")).GetProperty("total").GetInt64();

    private static async Task<Dictionary<string, uint>> KeyIdsAsync(HttpClient actuator) =>
        (await actuator.GetAsync<List<KeyStateDto>>("/replay-window") ?? []).ToDictionary(s => s.SenderId, s => s.CurrentKeyId);

    private sealed record KeyStateDto(string SenderId, uint CurrentKeyId);
}

/// <summary>Listening TCP sockets from /proc/net/tcp{,6}, and which belong to a process (its socket inodes under /proc/PID/fd).</summary>
internal static class ListeningSockets
{
    public static bool IsLoopback(IPAddress address) => IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);

    public static List<(IPEndPoint Endpoint, long Inode)> All() =>
        [.. Read("/proc/net/tcp", ipv6: false), .. Read("/proc/net/tcp6", ipv6: true)];

    public static List<IPEndPoint> OfProcess(int pid, List<(IPEndPoint Endpoint, long Inode)> listening)
    {
        var inodes = new HashSet<long>();
        foreach (var fd in Directory.EnumerateFiles($"/proc/{pid}/fd"))
        {
            var target = new FileInfo(fd).LinkTarget;
            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
            {
                inodes.Add(long.Parse(target["socket:[".Length..^1], CultureInfo.InvariantCulture));
            }
        }

        return [.. listening.Where(s => inodes.Contains(s.Inode)).Select(s => s.Endpoint)];
    }

    private static IEnumerable<(IPEndPoint, long)> Read(string path, bool ipv6)
    {
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f[3] != "0A")
            {
                continue; // not LISTEN
            }

            var local = f[1].Split(':');
            var raw = Convert.FromHexString(local[0]);
            // The kernel prints each 32-bit word of the address in host (little-endian) order.
            for (var i = 0; i < raw.Length; i += 4)
            {
                Array.Reverse(raw, i, 4);
            }

            yield return (new IPEndPoint(new IPAddress(raw), int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture)),
                long.Parse(f[9], CultureInfo.InvariantCulture));
        }
    }
}
