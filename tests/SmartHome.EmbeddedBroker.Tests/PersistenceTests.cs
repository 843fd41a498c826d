using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace SmartHome.EmbeddedBroker.Tests;

/// <summary>
/// The broker's own durability, the same for Mosquitto and the embedded broker, each run as a process from a
/// mosquitto.conf with <c>persistence true</c>: what a persistent session had queued, and retained messages, are there
/// again after a clean stop and, once a save has passed (<c>autosave_interval 1</c>), after a SIGKILL.
/// </summary>
public sealed class PersistenceTests
{
    private const int Readings = 50;

    [ToolTheory("mosquitto")]
    [InlineData(false)]
    [InlineData(true)]
    public Task Mosquitto_keeps_queued_and_retained_messages_across_a_restart(bool sigkill) => KeepsAcrossRestartAsync("mosquitto", sigkill);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public Task The_embedded_broker_keeps_queued_and_retained_messages_across_a_restart(bool sigkill) => KeepsAcrossRestartAsync("embedded", sigkill);

    [Fact]
    public async Task The_embedded_broker_without_persistence_keeps_nothing()
    {
        await using var broker = await BrokerProcess.StartAsync("embedded", persistence: false);
        await RegisterOfflineConsumerAsync(broker.Port);
        var sent = await PublishAsync(broker.Port);
        await broker.RestartAsync(sigkill: false);
        Assert.Empty(await DrainAsync(broker.Port, TimeSpan.FromSeconds(2)));
        Assert.Equal(Readings, sent.Count);
    }

    /// <summary>
    /// The secure broker's shape (TLS, passwords, ACL, the username as client id): a restored session belongs to its user
    /// again, so the actuator gets what was queued for it, through the ACL, over TLS.
    /// </summary>
    [Fact]
    public async Task The_secure_embedded_broker_restores_the_actuators_session_with_its_user()
    {
        var pair = new BrokerPair();
        await pair.InitializeAsync();
        try
        {
            var files = Path.GetDirectoryName(pair.CaFile)!;
            var data = Directory.CreateDirectory(Path.Combine(files, "data-" + Guid.NewGuid().ToString("N")[..8])).FullName;
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            string[] config =
            [
                "log_dest stdout", $"listener {port} 127.0.0.1", "allow_anonymous false", $"password_file {Path.Combine(files, "passwd")}",
                "use_username_as_clientid true", $"acl_file {Path.Combine(files, "acl")}", $"certfile {Path.Combine(files, "server.crt.pem")}",
                $"keyfile {Path.Combine(files, "server.key.pem")}", "persistence true", $"persistence_location {data}/", "autosave_interval 1",
            ];
            MqttClientOptions Login(string user, bool clean) => new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port)
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500).WithClientId(user).WithCredentials(user, pair.Passwords[user])
                .WithTlsOptions(o => o.UseTls().WithCertificateValidationHandler(_ => true))
                .WithCleanStart(clean).WithSessionExpiryInterval(clean ? 0u : 3600u).Build();

            var log = new StringWriter();
            var broker = await EmbeddedMqttBroker.StartAsync(MosquittoConf.Parse(config), TextWriter.Synchronized(log));
            using (var actuator = new MqttClientFactory().CreateMqttClient())
            {
                await actuator.ConnectAsync(Login("actuator", clean: false));
                await actuator.SubscribeAsync("smarthome/readings/+", MqttQualityOfServiceLevel.AtLeastOnce);
                await actuator.DisconnectAsync();
            }

            var sent = new List<string>();
            using (var door = new MqttClientFactory().CreateMqttClient())
            {
                await door.ConnectAsync(Login("door-front", clean: true));
                for (var i = 0; i < 10; i++)
                {
                    var id = Guid.NewGuid().ToString("N");
                    var result = await door.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("smarthome/readings/door-front")
                        .WithPayload(Encoding.UTF8.GetBytes(id)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                    Assert.True(result.IsSuccess, $"PUBACK {result.ReasonCode}");
                    sent.Add(id);
                }
            }

            await broker.DisposeAsync();
            broker = await EmbeddedMqttBroker.StartAsync(MosquittoConf.Parse(config), TextWriter.Synchronized(log));
            try
            {
                var received = new ConcurrentQueue<string>();
                using var actuator = new MqttClientFactory().CreateMqttClient();
                actuator.ApplicationMessageReceivedAsync += e =>
                {
                    received.Enqueue(e.ApplicationMessage.ConvertPayloadToString());
                    return Task.CompletedTask;
                };
                var connected = await actuator.ConnectAsync(Login("actuator", clean: false));
                Assert.True(connected.IsSessionPresent, "the actuator's session was restored\n" + log);
                for (var i = 0; i < 50 && received.Count < sent.Count; i++)
                {
                    await Task.Delay(100);
                }

                Assert.True(sent.Order(StringComparer.Ordinal).SequenceEqual(received.Distinct().Order(StringComparer.Ordinal)),
                    $"{received.Count} of {sent.Count} came back\n{log}");
            }
            finally
            {
                await broker.DisposeAsync();
            }
        }
        finally
        {
            await pair.DisposeAsync();
        }
    }

    private static async Task KeepsAcrossRestartAsync(string kind, bool sigkill)
    {
        await using var broker = await BrokerProcess.StartAsync(kind, persistence: true);
        await RegisterOfflineConsumerAsync(broker.Port);
        var sent = await PublishAsync(broker.Port);
        using (var retainer = await ConnectAsync(broker.Port, "retainer", cleanStart: true))
        {
            await retainer.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("home/retained/door").WithPayload("locked"u8.ToArray())
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag().Build());
        }

        if (sigkill)
        {
            // autosave_interval 1: Mosquitto saves once a whole second has passed since the last save, so within 2 s.
            await Task.Delay(TimeSpan.FromSeconds(3));
        }

        await broker.RestartAsync(sigkill);
        var received = await DrainAsync(broker.Port, TimeSpan.FromSeconds(5));
        Assert.True(sent.Order(StringComparer.Ordinal).SequenceEqual(received.Distinct().Order(StringComparer.Ordinal)),
            $"{kind}: {received.Distinct().Count()} of {sent.Count} queued readings came back\n{broker.Output}");

        using var reader = await ConnectAsync(broker.Port, "reader", cleanStart: true);
        var retained = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        reader.ApplicationMessageReceivedAsync += e =>
        {
            retained.TrySetResult(e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        await reader.SubscribeAsync("home/retained/#", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("locked", await retained.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    /// <summary>The actuator's shape: MQTT 5, persistent session (expiry 1 h), QoS 1 subscription; then it goes away.</summary>
    private static async Task RegisterOfflineConsumerAsync(int port)
    {
        using var consumer = await ConnectAsync(port, "consumer", cleanStart: false);
        await consumer.SubscribeAsync("home/readings/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await consumer.DisconnectAsync();
    }

    private static async Task<List<string>> PublishAsync(int port)
    {
        using var sensor = await ConnectAsync(port, "sensor", cleanStart: true);
        var ids = new List<string>();
        for (var i = 0; i < Readings; i++)
        {
            var id = Guid.NewGuid().ToString("N");
            var result = await sensor.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("home/readings/temp")
                .WithPayload(Encoding.UTF8.GetBytes(id)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            Assert.True(result.IsSuccess, $"PUBACK {result.ReasonCode}");
            ids.Add(id);
        }

        return ids;
    }

    /// <summary>Reconnects the consumer's session and collects what it gets until <paramref name="quiet"/> passes without a message.</summary>
    private static async Task<List<string>> DrainAsync(int port, TimeSpan quiet)
    {
        var received = new ConcurrentQueue<string>();
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue(e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        using (client)
        {
            // A restarting embedded broker refuses connections ("server unavailable") while it restores stored sessions.
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    var result = await client.ConnectAsync(Options(port, "consumer", cleanStart: false));
                    if (result.ResultCode == MqttClientConnectResultCode.Success)
                    {
                        break;
                    }

                    Assert.True(attempt < 50, $"CONNACK {result.ResultCode}");
                    await Task.Delay(100);
                }
                catch (MQTTnet.Adapter.MqttConnectingFailedException) when (attempt < 50)
                {
                    await Task.Delay(100);
                }
            }

            var count = -1;
            while (count != received.Count)
            {
                count = received.Count;
                await Task.Delay(quiet);
            }

            await client.DisconnectAsync();
        }

        return [.. received];
    }

    private static async Task<IMqttClient> ConnectAsync(int port, string clientId, bool cleanStart)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(Options(port, clientId, cleanStart));
        return client;
    }

    private static MqttClientOptions Options(int port, string clientId, bool cleanStart) => new MqttClientOptionsBuilder()
        .WithTcpServer("127.0.0.1", port).WithClientId(clientId).WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
        .WithCleanStart(cleanStart).WithSessionExpiryInterval(cleanStart ? 0u : 3600u).Build();

    /// <summary>Mosquitto or the embedded broker as its own process, restartable from the same folder and port.</summary>
    private sealed class BrokerProcess : IAsyncDisposable
    {
        private readonly string _kind;
        private readonly string _directory;
        private readonly ConcurrentQueue<string> _output = new();
        private Process _process = null!;

        /// <summary>What the broker printed (both runs), for a failure message.</summary>
        public string Output => string.Join("\n", _output);

        private BrokerProcess(string kind, string directory, int port)
        {
            _kind = kind;
            _directory = directory;
            Port = port;
        }

        public int Port { get; }

        public static async Task<BrokerProcess> StartAsync(string kind, bool persistence)
        {
            var directory = Path.Combine(Path.GetTempPath(), "smarthome-persist-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(Path.Combine(directory, "data"));
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            var config = new StringBuilder()
                .AppendLine("log_dest stdout")
                .AppendLine(CultureInfo.InvariantCulture, $"listener {port} 127.0.0.1")
                .AppendLine("allow_anonymous true")
                .AppendLine("max_queued_messages 1000");
            if (persistence)
            {
                config.AppendLine("persistence true")
                    .AppendLine(CultureInfo.InvariantCulture, $"persistence_location {Path.Combine(directory, "data")}/")
                    .AppendLine("autosave_on_changes false")
                    .AppendLine("autosave_interval 1");
            }

            await File.WriteAllTextAsync(Path.Combine(directory, "mosquitto.conf"), config.ToString());
            if (kind == "mosquitto" && Environment.UserName == "root")
            {
                // Mosquitto started as root drops to the user mosquitto, which must write the store.
                using var chown = Process.Start("chown", ["-R", "mosquitto:", directory]);
                await chown.WaitForExitAsync();
            }

            var broker = new BrokerProcess(kind, directory, port);
            await broker.LaunchAsync();
            return broker;
        }

        public async Task RestartAsync(bool sigkill)
        {
            if (sigkill)
            {
                _process.Kill();
            }
            else
            {
                using var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
                await term.WaitForExitAsync();
            }

            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            _process.Dispose();
            await LaunchAsync();
        }

        private async Task LaunchAsync()
        {
            var config = Path.Combine(_directory, "mosquitto.conf");
            var start = _kind == "mosquitto"
                ? new ProcessStartInfo(HostTools.Find("mosquitto")!, ["-c", config])
                : new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet ? dotnet : "dotnet",
                    [Path.Combine(AppContext.BaseDirectory, "SmartHome.EmbeddedBroker.dll"), "-c", config]);
            start.RedirectStandardOutput = true;
            start.RedirectStandardError = true;
            _process = Process.Start(start)!;
            _process.OutputDataReceived += (_, e) => Keep(e.Data);
            _process.ErrorDataReceived += (_, e) => Keep(e.Data);
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            for (var i = 0; i < 200; i++)
            {
                using var probe = new TcpClient();
                try
                {
                    await probe.ConnectAsync(IPAddress.Loopback, Port);
                    return;
                }
                catch (SocketException)
                {
                    Assert.False(_process.HasExited, $"{_kind} exited with {(_process.HasExited ? _process.ExitCode : 0)}");
                    await Task.Delay(50);
                }
            }

            throw new TimeoutException($"{_kind} did not listen on {Port}");
        }

        private void Keep(string? line)
        {
            if (line is not null && _output.Count < 2000)
            {
                _output.Enqueue(line);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // best effort
            }
        }
    }
}
