using SmartHome.EmbeddedBroker;

// Usage like mosquitto: SmartHome.EmbeddedBroker -c path/to/mosquitto.conf
string? configPath = null;
for (var i = 0; i < args.Length; i++)
{
    if (args[i] is "-c" or "--config-file" && i + 1 < args.Length)
    {
        configPath = args[++i];
    }
}

if (configPath is null)
{
    Console.Error.WriteLine("Usage: SmartHome.EmbeddedBroker -c mosquitto.conf");
    return 2;
}

EmbeddedMqttBroker broker;
try
{
    broker = await EmbeddedMqttBroker.StartAsync(MosquittoConf.Load(configPath));
}
catch (Exception ex) when (ex is IOException or FormatException or UnauthorizedAccessException or System.Net.Sockets.SocketException
                               or System.Security.Cryptography.CryptographicException)
{
    // One sentence, like mosquitto's own start-up errors.
    Console.Error.WriteLine($"Error: {ex.Message}");
    return 1;
}

using var stop = new CancellationTokenSource();
using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
{
    c.Cancel = true;
    stop.Cancel();
});
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    // SIGTERM / Ctrl+C: stop cleanly.
}

await broker.DisposeAsync();
return 0;
