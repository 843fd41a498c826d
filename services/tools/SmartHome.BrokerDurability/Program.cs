using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using SmartHome.AppHost.Brokers;
using SmartHome.BrokerDurability;
using SmartHome.Tools;

// What Mosquitto's persistence costs at a steady QoS 1 rate, with the consumer connected ("live") and with the consumer's
// persistent session offline ("queued": every message is queued for it), and how many acknowledged messages a SIGKILL
// of the broker during the run still loses.
// Usage: SmartHome.BrokerDurability [--rate 1000] [--seconds 30] [--payload 256] [--only NAME] [--broker mosquitto|embedded]
// Exit codes: 0 done, 2 bad command line or no mosquitto.
var rateOption = Integer("--rate", "QoS 1 messages per second the publisher sends.", 1000, 1);
var secondsOption = Integer("--seconds", "Seconds of each run.", 30, 1);
var payloadOption = Integer("--payload", "Payload bytes per message (256: a sealed reading's size).", 256, 0);
var onlyOption = new Option<string?>("--only") { Description = "Only the persistence settings whose name contains this text (case-sensitive).", HelpName = "text" };
var brokerOption = new Option<string>("--broker")
{
    Description = "The host's mosquitto, or the embedded broker (services/apps/SmartHome.EmbeddedBroker) with the same config.",
    DefaultValueFactory = _ => "mosquitto",
};
brokerOption.AcceptOnlyFromAmong("mosquitto", "embedded");
var command = new RootCommand("What the broker's persistence settings cost at a steady QoS 1 rate, with the consumer live and with its " +
                              "session offline, and how many acknowledged messages a SIGKILL of the broker loses.")
{
    rateOption, secondsOption, payloadOption, onlyOption, brokerOption,
};
command.SetAction((parse, _) => MeasureAsync(parse.GetValue(rateOption), parse.GetValue(secondsOption), parse.GetValue(payloadOption),
    parse.GetValue(onlyOption), parse.GetRequiredValue(brokerOption) == "embedded"));

var parsed = command.Parse(args);
if (UsageErrors.Reported(parsed))
{
    return UsageErrors.ExitCode;
}

// Ctrl+C stops the run at once, as before System.CommandLine (which would otherwise wait for the run to notice).
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

static async Task<int> MeasureAsync(int rate, int seconds, int payload, string? only, bool embedded)
{
    var mosquitto = embedded
        ? Path.Combine(AppContext.BaseDirectory, "SmartHome.EmbeddedBroker.dll")
        : new[] { "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/bin/mosquitto" }.FirstOrDefault(File.Exists);
    if (mosquitto is null)
    {
        Console.Error.WriteLine("Needs mosquitto: sudo apt-get install -y mosquitto");
        return 2;
    }

    var root = Path.Combine(Path.GetTempPath(), "smarthome-durability-" + Guid.NewGuid().ToString("N")[..8]);
    var brokerName = mosquitto.EndsWith(".dll", StringComparison.Ordinal) ? "embedded broker (MQTTnet.Server)" : Shell(mosquitto, "-h").Split('\n')[0];
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{rate} msg/s for {seconds} s, QoS 1, {payload} B payload; store in {root} ({Shell("stat", "-f", "-c", "%T", Path.GetTempPath())}); {brokerName}"));
    Console.WriteLine();
    Console.WriteLine("| persistence | consumer | sent/s | PUBACK p50 ms | p99 ms | max ms | broker CPU % | disk MB | acknowledged and kept across a SIGKILL |");
    Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");

    // "autosave_on_changes, interval 1" (a save after every change) is left out: 3-s runs here sustained 241 msg/s live and
    // 97 msg/s queued (a full store write plus fsync per loop pass), so it cannot carry 1,000/s at all.
    (string Name, Func<int, string, MosquittoConfig> Config)[] variants =
    [
        ("none", (port, dir) => Config(port, null, false, 1)),
        ("every 5 s (before)", (port, dir) => Config(port, dir, false, 5)),
        ("every 1 s (now)", (port, dir) => Config(port, dir, false, 1)),
        ("on changes, every 100", (port, dir) => Config(port, dir, true, 100)),
        ("on changes, every 1,000", (port, dir) => Config(port, dir, true, 1000)),
    ];
    if (only is not null)
    {
        variants = [.. variants.Where(v => v.Name.Contains(only, StringComparison.Ordinal))];
    }

    try
    {
        foreach (var (name, config) in variants)
        {
            foreach (var queued in new[] { false, true })
            {
                var directory = Path.Combine(root, $"{variants.ToList().FindIndex(v => v.Name == name)}-{(queued ? "queued" : "live")}");
                var port = FreePort();
                var settings = config(port, Path.Combine(directory, "data"));
                using var broker = await MosquittoProcess.StartAsync(mosquitto, directory, settings);
                var received = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
                using (var consumer = await ConsumerAsync(port, received))
                {
                    if (queued)
                    {
                        await consumer.DisconnectAsync();
                    }

                    using var publisher = new MqttClientFactory().CreateMqttClient();
                    await publisher.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("bench-sensor")
                        .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).Build());
                    var cpu0 = broker.CpuTime;
                    var io0 = broker.Io;
                    var clock = Stopwatch.StartNew();
                    var duration = TimeSpan.FromSeconds(seconds);
                    TimeSpan cpuTime = default;
                    long diskBytes = 0;
                    var killedAt = TimeSpan.Zero;
                    Task killer = Task.CompletedTask;
                    if (queued && settings.PersistenceDirectory is not null)
                    {
                        // Kill the broker without warning while it is still taking readings, at a random moment of the run's last
                        // tenth (its saves have a rhythm; a fixed moment would measure that rhythm, not the risk).
                        var at = duration * (0.9 + (Random.Shared.NextDouble() * 0.09));
                        killer = Task.Run(async () =>
                        {
                            await Task.Delay(at);
                            cpuTime = broker.CpuTime - cpu0;
                            diskBytes = broker.Io.WriteBytes - io0.WriteBytes;
                            killedAt = clock.Elapsed;
                            broker.Kill();
                        });
                    }

                    var run = await new PacedPublisher(publisher, "bench/readings", payload).RunAsync(rate, duration, CancellationToken.None);
                    await killer;
                    if (killedAt == TimeSpan.Zero)
                    {
                        await Task.Delay(TimeSpan.FromSeconds(1)); // the last saves
                        cpuTime = broker.CpuTime - cpu0;
                        diskBytes = broker.Io.WriteBytes - io0.WriteBytes;
                        killedAt = clock.Elapsed;
                    }

                    var cpu = cpuTime.TotalSeconds / killedAt.TotalSeconds * 100;
                    var written = diskBytes / 1e6;
                    var acknowledged = Enumerable.Range(0, run.Sent).Where(i => run.Acknowledged[i]).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();

                    var kept = "—";
                    if (queued && settings.PersistenceDirectory is not null)
                    {
                        // Start it from its store and count what the offline consumer gets of what the broker had acknowledged.
                        using var restarted = await MosquittoProcess.StartAsync(mosquitto, directory, settings);
                        using var again = await ConsumerAsync(port, received);
                        await UntilQuietAsync(received);
                        var lost = acknowledged.Count(n => !received.ContainsKey(n));
                        kept = string.Create(CultureInfo.InvariantCulture, $"{acknowledged.Count - lost:N0} of {acknowledged.Count:N0} (lost {lost:N0} = {lost * 1000.0 / rate:0} ms)");
                        restarted.Kill();
                    }
                    else if (queued)
                    {
                        kept = "0 (nothing on disk)";
                    }

                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"| {name} | {(queued ? "offline (all queued)" : "live")} | {run.AchievedRate:0} | {run.Percentile(50):0.00} | {run.Percentile(99):0.00} | {run.Percentile(100):0.0} | {cpu:0.0} | {written:0.0} | {kept} |"));
                    if (run.Failed > 0 && !queued)
                    {
                        Console.WriteLine($"  ({run.Failed} publishes failed)");
                    }
                }
            }
        }
    }
    finally
    {
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }

    return 0;
}

static MosquittoConfig Config(int port, string? data, bool onChanges, int interval) => new()
{
    Port = port,
    PersistenceDirectory = data,
    AutosaveOnChanges = onChanges,
    AutosaveInterval = interval,
};

static async Task<IMqttClient> ConsumerAsync(int port, ConcurrentDictionary<string, byte> received)
{
    var client = new MqttClientFactory().CreateMqttClient();
    client.ApplicationMessageReceivedAsync += e =>
    {
        var n = e.ApplicationMessage.UserProperties?.FirstOrDefault(p => p.Name == "n")?.ReadValueAsString();
        if (n is not null)
        {
            received.TryAdd(n, 0);
        }

        return Task.CompletedTask;
    };
    var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("bench-actuator")
        .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithCleanStart(false).WithSessionExpiryInterval(3600).Build();
    // The embedded broker answers "server unavailable" while it restores its stored sessions: retry as a client would.
    for (var attempt = 0; (await client.ConnectAsync(options)).ResultCode != MqttClientConnectResultCode.Success; attempt++)
    {
        if (attempt == 100)
        {
            throw new InvalidOperationException("the consumer could not connect");
        }

        await Task.Delay(100);
    }

    await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("bench/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
    return client;
}

static async Task UntilQuietAsync(ConcurrentDictionary<string, byte> received)
{
    var last = -1;
    var deadline = DateTime.UtcNow.AddSeconds(120);
    while (DateTime.UtcNow < deadline && received.Count != last)
    {
        last = received.Count;
        await Task.Delay(TimeSpan.FromSeconds(3));
    }
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static string Shell(string file, params string[] args)
{
    try
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var text = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return text.Trim();
    }
    catch (System.ComponentModel.Win32Exception)
    {
        return "?";
    }
}

// Parsed here, not by System.CommandLine: its validators cannot read a value it failed to convert (they throw).
static Option<int> Integer(string name, string description, int fallback, int minimum) => new(name)
{
    Description = description,
    HelpName = "n",
    DefaultValueFactory = _ => fallback,
    CustomParser = r =>
    {
        if (int.TryParse(r.Tokens.Count > 0 ? r.Tokens[0].Value : string.Empty, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            && value >= minimum)
        {
            return value;
        }

        r.AddError($"{name} must be a whole number, at least {minimum}.");
        return 0;
    },
};
