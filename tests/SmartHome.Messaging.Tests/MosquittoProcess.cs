using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SmartHome.Messaging.Tests;

/// <summary>A real Mosquitto on a free loopback port, killed on dispose; restartable on the same port.</summary>
public sealed class MosquittoProcess : IAsyncDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "smarthome-mq-" + Guid.NewGuid().ToString("N")[..8]);
    private Process? _process;

    public MosquittoProcess()
    {
        Port = FreePort();
        Directory.CreateDirectory(_directory);
        File.WriteAllText(ConfigPath, $"listener {Port} 127.0.0.1\nallow_anonymous true\nlog_dest stdout\nuser {Environment.UserName}\n");
    }

    public int Port { get; }

    public string ConnectionString => $"mqtt://127.0.0.1:{Port}";

    private string ConfigPath => Path.Combine(_directory, "mosquitto.conf");

    public static string Executable =>
        new[] { "/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/usr/bin/mosquitto" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("Mosquitto is not installed (apt-get install mosquitto); broker tests need it.");

    public async Task StartAsync()
    {
        _process = Process.Start(new ProcessStartInfo(Executable, ["-c", ConfigPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("mosquitto did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"mosquitto did not listen on {Port}");
    }

    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }

        _process?.Dispose();
        _process = null;
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }

        return ValueTask.CompletedTask;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
