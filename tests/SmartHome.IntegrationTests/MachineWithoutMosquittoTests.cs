using System.Net.Http.Json;
using SmartHome.Contracts;

namespace SmartHome.IntegrationTests;

/// <summary>
/// The README's run command on a machine without mosquitto, simulated on one that has it: the real AppHost executable
/// runs in a private mount namespace with an empty tmpfs over /usr/sbin (<see cref="AppHostProcess.StartInfo"/>), so
/// only its process tree misses mosquitto. It must say once that it uses the embedded broker, carry readings through
/// both pipelines, and leave no process behind when stopped.
/// </summary>
public sealed class MachineWithoutMosquittoTests
{
    private const string FallbackLine = "Mosquitto was not found; using the embedded broker";

    [ToolFact(HostTools.NoMosquitto)]
    public async Task Without_mosquitto_the_AppHost_falls_back_to_the_embedded_broker_and_both_pipelines_apply_readings()
    {
        await using var app = AppHostProcess.Start(hideMosquitto: true, defaultSigInt: false, "--Sensor:ReadingsPerSecond=20");

        // Observed from outside, as a user would: each actuator's own decision log (GET /decisions on the port its
        // process listens on; loopback, no secret needed for reads) must show readings it applied.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var applied = new Dictionary<string, int>(StringComparer.Ordinal);
        await SmartHomeAppFixture.PollAsync(async () =>
        {
            if (app.Process.HasExited)
            {
                Assert.Fail($"the AppHost exited with {app.Process.ExitCode}\n{app.Describe()}");
            }

            foreach (var pipeline in new[] { "insecure", "secure" })
            {
                applied[pipeline] = await AppliedReadingsAsync(http, app, pipeline);
            }

            return applied.Values.All(count => count >= 8) ? "both" : null;
        }, TimeSpan.FromMinutes(4), "eight readings applied by each actuator", () => Task.FromResult(
            $"applied so far: {string.Join(", ", applied.Select(a => $"{a.Key} {a.Value}"))}\n{app.Describe()}"));

        // It said so, in one line, and the brokers are the embedded one (run from the generated mosquitto.conf), not mosquitto.
        Assert.Single(app.Output, line => line.Contains(FallbackLine, StringComparison.Ordinal));
        var owned = app.Owned();
        var brokers = owned.Where(pid => AppHostProcess.Command(pid).Contains("SmartHome.EmbeddedBroker", StringComparison.Ordinal)).ToList();
        Assert.True(brokers.Count == 2, $"two embedded brokers run (found {brokers.Count})\n{app.Describe()}");
        Assert.DoesNotContain(owned, pid => Path.GetFileName(AppHostProcess.Command(pid).Split(' ')[0]) == "mosquitto");

        // Stopped like a process manager does; nothing of it may stay.
        Assert.Equal(0, AppHostProcess.Kill(app.Pid, 15));
        Assert.True(app.Process.WaitForExit(TimeSpan.FromSeconds(60)), "the AppHost did not stop within 60 s\n" + app.Describe());
        var left = new List<int>();
        for (var i = 0; i < 40; i++)
        {
            left = app.Seen.Where(AppHostProcess.IsRunning).ToList();
            if (left.Count == 0)
            {
                break;
            }

            await Task.Delay(500);
        }

        Assert.True(left.Count == 0, "left behind: " + string.Join("; ", left.Select(AppHostProcess.Command)));
    }

    /// <summary>Readings (not key announcements) the pipeline's actuator has applied; 0 while it is not up yet.</summary>
    private static async Task<int> AppliedReadingsAsync(HttpClient http, AppHostProcess app, string pipeline)
    {
        // /proc's command line ends every argument with a NUL, read here as a space.
        var actuators = app.Owned().Where(pid =>
        {
            var command = AppHostProcess.Command(pid);
            return command.Contains("SmartHome.Actuator", StringComparison.Ordinal)
                   && command.Contains($"--Pipeline {pipeline} ", StringComparison.Ordinal);
        });
        foreach (var pid in actuators)
        {
            List<System.Net.IPEndPoint> endpoints;
            try
            {
                endpoints = ListeningSockets.OfProcess(pid, ListeningSockets.All());
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue; // exited meanwhile
            }

            foreach (var endpoint in endpoints)
            {
                try
                {
                    var decisions = await http.GetFromJsonAsync<List<Decision>>(
                        new Uri($"http://127.0.0.1:{endpoint.Port}/decisions?verdict=applied&limit=1000"), HttpJson.Options);
                    return decisions?.Count(d => d.Kind != "session-key") ?? 0;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
                {
                    // Not the HTTP endpoint, or not answering yet.
                }
            }
        }

        return 0;
    }
}
