using System.Text.Json;
using SmartHome.Contracts;
using SmartHome.Security;

namespace SmartHome.Attacker;

/// <summary>
/// <c>dotnet run --project services/SmartHome.Attacker -- campaign --pipeline secure --broker mqtts://localhost:8883
/// --actuator http://localhost:PORT [--sensor http://localhost:PORT --control-secret-file FILE] --keys keys --attempts 100 [--attacks a,b]
/// [--json out.json]</c>
/// </summary>
public static class Cli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                Console.Error.WriteLine($"Unexpected argument '{args[i]}'.");
                return 2;
            }

            options[args[i][2..]] = args[i + 1];
        }

        if (!options.TryGetValue("pipeline", out var pipeline) || pipeline is not ("insecure" or "secure")
            || !options.TryGetValue("broker", out var broker) || !options.TryGetValue("actuator", out var actuatorUrl))
        {
            Console.Error.WriteLine("Usage: campaign --pipeline insecure|secure --broker mqtt[s]://host:port --actuator http://host:port " +
                                    "[--sensor http://host:port --control-secret-file FILE] [--keys DIR] [--attempts N] [--attacks a,b] [--flood-rate R] [--flood-messages M] [--announcement-flood-seconds S] [--json FILE]");
            return 2;
        }

        var keys = options.GetValueOrDefault("keys") ?? KeyPaths.FindDefaultRoot();
        var paths = new KeyPaths(keys);
        CampaignSettings settings;
        try
        {
            settings = new CampaignSettings(pipeline, BrokerTarget.Parse(broker, options.GetValueOrDefault("ca") ?? paths.BrokerCaCertificate),
                AttackerSecrets.FromKeysFolder(paths));
        }
        catch (FormatException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }

        int? attempts = options.TryGetValue("attempts", out var a) && int.TryParse(a, out var n) ? n : null;
        double? rate = options.TryGetValue("flood-rate", out var r) && double.TryParse(r, System.Globalization.CultureInfo.InvariantCulture, out var fr) ? fr : null;
        int? flood = options.TryGetValue("flood-messages", out var f) && int.TryParse(f, out var fm) ? fm : null;
        double? announcementSeconds = options.TryGetValue("announcement-flood-seconds", out var af)
            && double.TryParse(af, System.Globalization.CultureInfo.InvariantCulture, out var afs) ? afs : null;
        if (!CampaignRunner.TryCreateRequest(attempts, options.GetValueOrDefault("attacks"), out var request, out var error, rate, flood, announcementSeconds))
        {
            Console.Error.WriteLine(error);
            return 2;
        }

        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        // The sensor's /publish needs the AppHost run's control secret (its run directory's control-secret file).
        string? secret = null;
        if (options.TryGetValue("control-secret-file", out var secretFile))
        {
            try
            {
                secret = (await File.ReadAllTextAsync(secretFile).ConfigureAwait(false)).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"--control-secret-file {secretFile}: {ex.Message}");
                return 2;
            }
        }

        using var actuator = new HttpClient { BaseAddress = new Uri(actuatorUrl), Timeout = TimeSpan.FromSeconds(30) };
        using var sensor = options.TryGetValue("sensor", out var sensorUrl)
            ? AttackerConfiguration.ControlClient(new Uri(sensorUrl), TimeSpan.FromSeconds(60), secret)
            : null;
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        await using var campaign = new Campaign(settings, new Victim(actuator, sensor), loggers.CreateLogger("SmartHome.Attacker.Campaign"));
        var report = await campaign.RunAsync(request, cts.Token).ConfigureAwait(false);
        Console.WriteLine(ReportTable.Render(report));
        if (options.TryGetValue("json", out var jsonPath))
        {
            await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(report, AttackerJson.Default.CampaignReport)).ConfigureAwait(false);
            Console.WriteLine($"Results written to {jsonPath}");
        }

        return 0;
    }
}
