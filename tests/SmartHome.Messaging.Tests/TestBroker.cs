using System.Net.Sockets;
using SmartHome.EmbeddedBroker;

namespace SmartHome.Messaging.Tests;

/// <summary>
/// An anonymous broker on a free loopback port, killed on dispose and restartable on the same port: the host's Mosquitto,
/// or, where mosquitto is not installed, the embedded broker (MQTTnet.Server) in this process from the same config. The
/// tests using it are about our reconnecting MqttConnection, not about Mosquitto, so they run on whatever the machine has.
/// </summary>
public sealed class TestBroker : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "smarthome-mq-" + Guid.NewGuid().ToString("N")[..8]);
    private MosquittoProcess? _mosquitto;
    private EmbeddedMqttBroker? _embedded;

    public TestBroker()
    {
        Port = MosquittoProcess.FreePort();
        Directory.CreateDirectory(_directory);
        File.WriteAllText(ConfigPath, $"listener {Port} 127.0.0.1\nallow_anonymous true\nlog_dest stdout\nuser {Environment.UserName}\n");
    }

    public int Port { get; }

    public string ConnectionString => $"mqtt://127.0.0.1:{Port}";

    /// <summary>The host's mosquitto, or null: then the embedded broker stands in.</summary>
    public static string? MosquittoExecutable { get; } = HostTools.Find("mosquitto");

    private string ConfigPath => Path.Combine(_directory, "mosquitto.conf");

    public async Task StartAsync()
    {
        if (MosquittoExecutable is null)
        {
            // Right after a kill the port may still be held by the old listener's connections: retry briefly, as a
            // restarted mosquitto would be retried by an operator.
            var until = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                try
                {
                    _embedded = await EmbeddedMqttBroker.StartAsync(MosquittoConf.Parse(await File.ReadAllLinesAsync(ConfigPath)), TextWriter.Null);
                    return;
                }
                catch (SocketException) when (DateTime.UtcNow < until)
                {
                    await Task.Delay(100);
                }
            }
        }

        _mosquitto = await MosquittoProcess.StartAsync(MosquittoExecutable, ConfigPath, Port, TimeSpan.FromSeconds(10));
    }

    public async Task KillAsync()
    {
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
            _embedded = null;
        }

        if (_mosquitto is not null)
        {
            await _mosquitto.DisposeAsync();
            _mosquitto = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
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
