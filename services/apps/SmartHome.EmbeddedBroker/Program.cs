using System.CommandLine;
using SmartHome.EmbeddedBroker;
using SmartHome.Tools;

// Usage like mosquitto: SmartHome.EmbeddedBroker -c path/to/mosquitto.conf (the AppHost and the tests start it so).
// Exit codes: 0 stopped by SIGTERM or Ctrl+C, 1 could not start (one sentence on stderr), 2 bad command line.
var configOption = new Option<string>("--config-file", "-c")
{
    Description = "The mosquitto.conf to serve (its listeners, password file, ACL file, TLS files and persistence).",
    HelpName = "file",
    Required = true,
};
var command = new RootCommand("An MQTT broker built on MQTTnet.Server that reads Mosquitto's configuration, password file and ACL " +
                              "and answers like Mosquitto 2.0.")
{
    configOption,
};
command.SetAction((parse, _) => RunAsync(parse.GetRequiredValue(configOption)));

var parsed = command.Parse(args);
if (UsageErrors.Reported(parsed))
{
    return UsageErrors.ExitCode;
}

// SIGTERM and Ctrl+C are the broker's own (a clean stop below), not System.CommandLine's; an unexpected exception still
// crashes the process, as before, rather than becoming System.CommandLine's exit 1.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });

static async Task<int> RunAsync(string configPath)
{
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
}
