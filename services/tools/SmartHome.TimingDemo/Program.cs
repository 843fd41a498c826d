using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using SmartHome.ServiceDefaults;
using SmartHome.TimingDemo;
using SmartHome.Tools;

var parse = TimingCommandLine.Build(new DemoCommands()).Parse(args);
if (UsageErrors.Reported(parse))
{
    return UsageErrors.ExitCode;
}

// OTel only under the AppHost (or whenever an OTLP endpoint is configured): plain CLI runs stay lean.
IHost? host = null;
if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
{
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
    builder.ConfigureOpenTelemetry();
    host = builder.Build();
    await host.StartAsync().ConfigureAwait(false);
    Console.WriteLine("OpenTelemetry: exporting metrics of meter 'SmartHome' (smarthome.timing.*) via OTLP.");
}

try
{
    // Errors reach the catch below ("error: ..." and 1), not System.CommandLine's stack trace; serve handles Ctrl+C itself.
    return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null })
        .ConfigureAwait(false);
}
catch (Exception e) when (e is ArgumentException or FormatException or System.Net.Sockets.SocketException or IOException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
finally
{
    if (host is not null)
    {
        await host.StopAsync().ConfigureAwait(false);
        host.Dispose(); // flushes the metric exporter
    }
}

internal static class Formatting
{
    public static string Inv(this double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
