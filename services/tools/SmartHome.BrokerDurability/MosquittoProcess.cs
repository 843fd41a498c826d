using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SmartHome.AppHost.Brokers;

namespace SmartHome.BrokerDurability;

/// <summary>
/// One broker (mosquitto, or the embedded broker when <c>mosquitto</c> is a .dll) started from a rendered
/// <see cref="MosquittoConfig"/> in its own folder; reads its CPU time and disk writes from /proc.
/// </summary>
internal sealed class MosquittoProcess : IDisposable
{
    private readonly Process _process;

    private MosquittoProcess(Process process, string directory)
    {
        _process = process;
        Directory = directory;
    }

    public string Directory { get; }

    public int Pid => _process.Id;

    /// <summary>Starts mosquitto and waits until it accepts connections on <paramref name="config"/>'s port.</summary>
    public static async Task<MosquittoProcess> StartAsync(string mosquitto, string directory, MosquittoConfig config)
    {
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "data"));
        var path = Path.Combine(directory, "mosquitto.conf");
        File.WriteAllText(path, config.Render());
        // As root, run as the user mosquitto from the start (as the AppHost does), so it can write its persistence folder.
        var embedded = mosquitto.EndsWith(".dll", StringComparison.Ordinal);
        var asRoot = !embedded && Environment.UserName == "root" && File.ReadLines("/etc/passwd").Any(l => l.StartsWith("mosquitto:", StringComparison.Ordinal));
        if (asRoot)
        {
            using var chown = Process.Start("chown", ["-R", "mosquitto:", directory]);
            await chown.WaitForExitAsync().ConfigureAwait(false);
        }

        var start = new ProcessStartInfo(asRoot ? "setpriv" : embedded ? "dotnet" : mosquitto)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] args = asRoot ? ["--reuid", "mosquitto", "--regid", "mosquitto", "--init-groups", "--", mosquitto, "-c", path]
            : embedded ? [mosquitto, "-c", path] : ["-c", path];
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var broker = new MosquittoProcess(process, directory);
        for (var i = 0; i < 100; i++)
        {
            using var probe = new TcpClient();
            try
            {
                await probe.ConnectAsync(IPAddress.Loopback, config.Port).ConfigureAwait(false);
                return broker;
            }
            catch (SocketException)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
        }

        broker.Dispose();
        throw new InvalidOperationException($"mosquitto did not listen on {config.Port}");
    }

    /// <summary>User + system CPU time so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            var stat = File.ReadAllText($"/proc/{Pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
        }
    }

    /// <summary>Bytes this process caused to be written to storage (/proc/PID/io write_bytes) and bytes it wrote anywhere, sockets included (wchar).</summary>
    public (long WriteBytes, long WrittenChars) Io
    {
        get
        {
            var values = File.ReadAllLines($"/proc/{Pid}/io").Select(l => l.Split(':', 2))
                .ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
            return (values["write_bytes"], values["wchar"]);
        }
    }

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    /// <summary>SIGTERM: mosquitto saves its store and exits.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]);
            await _process.WaitForExitAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
