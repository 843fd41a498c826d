using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using SmartHome.AppHost.Supervision;
using Xunit.Abstractions;

namespace SmartHome.IntegrationTests;

/// <summary>The insecure pipeline alone (one broker, one sensor, one actuator), a crash loop after 3 crashes within a minute.</summary>
public abstract class SupervisionFixture : IAsyncLifetime
{
    protected SupervisionFixture(string brokerMode)
    {
        App.ExtraArgs.Add("--Pipelines:Secure:Enabled=false");
        App.ExtraArgs.Add($"--Broker:Mode={brokerMode}");
        App.ExtraArgs.Add("--Supervision:CrashLoopCrashes=3");
        App.ExtraArgs.Add("--Supervision:CrashLoopWindow=00:01:00");
        App.ExtraArgs.Add("--Logging:LogLevel:SmartHome.AppHost.Supervision=Debug");
    }

    public SmartHomeAppFixture App { get; } = new();

    public Task InitializeAsync() => App.InitializeAsync();

    public Task DisposeAsync() => App.DisposeAsync();
}

public sealed class MosquittoSupervisionFixture() : SupervisionFixture("executable");

public sealed class EmbeddedSupervisionFixture() : SupervisionFixture("embedded");

/// <summary>What supervision promises, on the host's Mosquitto (skipped without it).</summary>
public sealed class MosquittoSupervisionTests(MosquittoSupervisionFixture fixture, ITestOutputHelper output)
    : IClassFixture<MosquittoSupervisionFixture>
{
    private readonly Supervision _supervision = new(fixture.App, output);

    [ToolFact("mosquitto")]
    public Task A_broker_killed_with_SIGKILL_is_restarted_listens_again_and_counts_the_restart() =>
        _supervision.KilledBrokerIsRestartedAsync();

    [ToolFact("mosquitto")]
    public Task A_broker_that_keeps_crashing_ends_in_the_crash_loop_state_until_cleared() =>
        _supervision.CrashLoopIsNamedAndClearedAsync();

    [ToolFact("mosquitto")]
    public Task A_killed_actuator_is_restarted_and_counts_the_restart() =>
        _supervision.KilledServiceIsRestartedAsync("insecure-actuator");

    [ToolFact("mosquitto")]
    public Task A_stopped_broker_stays_stopped() => _supervision.StoppedResourceStaysStoppedAsync();
}

/// <summary>The same promises with the embedded broker.</summary>
public sealed class EmbeddedSupervisionTests(EmbeddedSupervisionFixture fixture, ITestOutputHelper output)
    : IClassFixture<EmbeddedSupervisionFixture>
{
    private readonly Supervision _supervision = new(fixture.App, output);

    [Fact]
    public Task A_broker_killed_with_SIGKILL_is_restarted_listens_again_and_counts_the_restart() =>
        _supervision.KilledBrokerIsRestartedAsync();

    [Fact]
    public Task A_broker_that_keeps_crashing_ends_in_the_crash_loop_state_until_cleared() =>
        _supervision.CrashLoopIsNamedAndClearedAsync();

    [Fact]
    public Task A_killed_sensor_is_restarted_and_counts_the_restart() =>
        _supervision.KilledServiceIsRestartedAsync("insecure-sensor");
}

/// <summary>The scenarios, against whichever broker the fixture runs.</summary>
internal sealed class Supervision(SmartHomeAppFixture fixture, ITestOutputHelper output)
{
    private const string Broker = "insecure-broker";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    public async Task KilledBrokerIsRestartedAsync()
    {
        await fixture.WaitHealthyAsync(Broker, "insecure-actuator");
        var port = await BrokerPortAsync();
        // The count is shown before any crash too (DCP's snapshots drop it; supervision puts it back).
        await WaitAsync(() => Property(Broker, SupervisionStates.RestartsProperty) is not null, TimeSpan.FromSeconds(10),
            $"{Broker} to show its restart count");
        var before = Restarts(Broker);
        var pid = Pid(Broker);
        Assert.True(Listening(port), $"the broker listens on {port} before the kill");

        var clock = Stopwatch.StartNew();
        Assert.Equal(0, AppHostProcess.Kill(pid, 9));
        await WaitAsync(() => !Listening(port), TimeSpan.FromSeconds(10), "the killed broker's port to close");
        await WaitAsync(() => Listening(port), Patience, $"port {port} to listen again");
        var listening = clock.Elapsed;
        await fixture.WaitHealthyAsync(Broker);
        var healthy = clock.Elapsed;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Broker} ({Mode()}): SIGKILL -> port listening {listening.TotalSeconds:0.00} s, healthy {healthy.TotalSeconds:0.00} s"));

        Assert.NotEqual(pid, Pid(Broker));
        Assert.Equal(before + 1, Restarts(Broker));
        Assert.Contains("exit code", Property(Broker, SupervisionStates.LastCrashProperty));
        // The pipeline works through the restarted broker: the actuator reconnects and applies readings again.
        await fixture.WaitHealthyAsync("insecure-actuator", "insecure-sensor");
    }

    public async Task CrashLoopIsNamedAndClearedAsync()
    {
        await fixture.WaitHealthyAsync(Broker);
        var port = await BrokerPortAsync();
        var pid = Pid(Broker);

        // A real reason for a broker to exit at once: its port is taken. Every restart then fails until it is freed.
        Assert.Equal(0, AppHostProcess.Kill(pid, 9));
        using (var squatter = await OccupyAsync(port))
        {
            var loop = await WaitForStateAsync(Broker, SupervisionStates.CrashLoop, Patience);
            var reason = Property(Broker, SupervisionStates.CrashLoopReasonProperty);
            output.WriteLine($"{Broker} ({Mode()}): {loop.Snapshot.State?.Text}: {reason}; last crash {Property(Broker, SupervisionStates.LastCrashProperty)}");
            Assert.Contains("crashes within 60 s", reason);
            Assert.Equal(KnownResourceStateStyles.Error, loop.Snapshot.State?.Style);

            // It stays there: no restart while the crash loop stands.
            var restarts = Restarts(Broker);
            await Task.Delay(TimeSpan.FromSeconds(5));
            Assert.Equal(restarts, Restarts(Broker));
            Assert.Equal(SupervisionStates.CrashLoop, State(Broker));
        }

        var cleared = await fixture.App.ResourceCommands.ExecuteCommandAsync(Resource(Broker), SupervisionStates.ClearCrashLoopCommand);
        Assert.True(cleared.Success, cleared.Message);
        await fixture.WaitHealthyAsync(Broker);
        await WaitAsync(() => Listening(port), Patience, $"port {port} to listen after the crash loop was cleared");
        Assert.Equal(string.Empty, Property(Broker, SupervisionStates.CrashLoopReasonProperty));
    }

    public async Task KilledServiceIsRestartedAsync(string service)
    {
        await fixture.WaitHealthyAsync(Broker, service);
        var before = Restarts(service);
        var launcher = Pid(service);
        // DCP runs a project as `dotnet run`, whose child is the service itself: kill the service, as a crash would.
        var process = ChildOf(launcher) ?? launcher;
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, AppHostProcess.Kill(process, 9));
        await WaitAsync(() => Restarts(service) == before + 1, Patience, $"{service}'s restart count to reach {before + 1}");
        await fixture.WaitHealthyAsync(service);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{service}: SIGKILL -> healthy again {clock.Elapsed.TotalSeconds:0.00} s"));
        Assert.NotEqual(launcher, Pid(service));
    }

    public async Task StoppedResourceStaysStoppedAsync()
    {
        await fixture.WaitHealthyAsync(Broker);
        var before = Restarts(Broker);
        var stop = await fixture.App.ResourceCommands.ExecuteCommandAsync(Resource(Broker), KnownResourceCommands.StopCommand);
        Assert.True(stop.Success, stop.Message);
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal(before, Restarts(Broker));
        Assert.Contains(State(Broker), new[] { KnownResourceStates.Exited, KnownResourceStates.Finished });

        var start = await fixture.App.ResourceCommands.ExecuteCommandAsync(Resource(Broker), KnownResourceCommands.StartCommand);
        Assert.True(start.Success, start.Message);
        await fixture.WaitHealthyAsync(Broker);
    }

    private string Mode() => Resource(Broker) is EmbeddedBrokerResource ? "embedded" : "mosquitto";

    private IResource Resource(string name) =>
        fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == name);

    private ResourceEvent Current(string name) =>
        fixture.App.ResourceNotifications.TryGetCurrentState(name, out var current) ? current : throw new InvalidOperationException($"{name} has no state");

    private string? State(string name) => Current(name).Snapshot.State?.Text;

    private string? Property(string name, string property) =>
        Current(name).Snapshot.Properties.FirstOrDefault(p => p.Name == property)?.Value?.ToString();

    // A snapshot from DCP can lack the property for a moment before supervision puts it back: no property means no
    // restart counted in it.
    private int Restarts(string name) =>
        int.TryParse(Property(name, SupervisionStates.RestartsProperty), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private int Pid(string name) =>
        int.TryParse(Property(name, "executable.pid"), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
            ? pid
            : throw new InvalidOperationException($"{name} has no pid ({State(name)})");

    private async Task<int> BrokerPortAsync()
    {
        var connection = (await fixture.App.GetConnectionStringAsync(Broker))!;
        return new Uri(connection).Port;
    }

    private async Task<ResourceEvent> WaitForStateAsync(string name, string state, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await fixture.App.ResourceNotifications.WaitForResourceAsync(name, e => e.Snapshot.State?.Text == state, cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{name} did not reach '{state}' within {timeout.TotalSeconds:0} s (it is '{State(name)}').\n" +
                                       await fixture.DescribeResourcesAsync(name));
        }
    }

    private async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what}.\n" + await fixture.DescribeResourcesAsync(Broker));
            }

            await Task.Delay(50);
        }
    }

    private static bool Listening(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Binds the broker's port as soon as the killed broker has let go of it.</summary>
    private static async Task<TcpListener> OccupyAsync(int port)
    {
        for (var attempt = 0; ; attempt++)
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            try
            {
                listener.Start();
                return listener;
            }
            catch (SocketException) when (attempt < 200)
            {
                listener.Dispose();
                await Task.Delay(10);
            }
        }
    }

    private static int? ChildOf(int parent)
    {
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == parent)
                {
                    return pid;
                }
            }
            catch (IOException)
            {
                // exited
            }
        }

        return null;
    }
}
