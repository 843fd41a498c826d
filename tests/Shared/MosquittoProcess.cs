using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmartHome.Tests;

/// <summary>
/// A Mosquitto a test started itself, from its own config file, listening on a port the test chose; killed with its
/// children on dispose. Linked into every test project that starts one (one way to start, wait for and stop it).
/// </summary>
public sealed class MosquittoProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private MosquittoProcess(Process process)
    {
        _process = process;
    }

    /// <summary>A loopback port that was free a moment ago (the OS's choice).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts <paramref name="executable"/> <c>-c <paramref name="configPath"/></c> and waits until <paramref name="port"/> accepts a connection.</summary>
    public static async Task<MosquittoProcess> StartAsync(string executable, string configPath, int port, TimeSpan? timeout = null)
    {
        var process = Process.Start(new ProcessStartInfo(executable, ["-c", configPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException($"mosquitto did not start for {configPath}");
        var started = new MosquittoProcess(process);
        process.OutputDataReceived += (_, e) => started.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => started.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                var exitCode = process.ExitCode;
                await started.DisposeAsync();
                throw new InvalidOperationException($"mosquitto exited with {exitCode} for {Path.GetFileName(configPath)}: {started.Output}");
            }

            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return started;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        await started.DisposeAsync();
        throw new TimeoutException($"mosquitto did not listen on {port} for {Path.GetFileName(configPath)}: {started.Output}");
    }

    public int Pid => _process.Id;

    /// <summary>What mosquitto printed so far (its log, when the config sends it to stdout).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
