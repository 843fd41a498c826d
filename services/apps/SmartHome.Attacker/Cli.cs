using System.CommandLine;
using System.Text.Json;
using SmartHome.Security;
using SmartHome.Tools;

namespace SmartHome.Attacker;

/// <summary>
/// <c>dotnet run --project services/apps/SmartHome.Attacker -- campaign --pipeline secure --broker mqtts://localhost:8883
/// --actuator http://localhost:PORT [--sensor http://localhost:PORT --control-secret-file FILE] [--keys keys] [--attempts 100]
/// [--attacks a,b] [--json out.json]</c>: one campaign against a running pipeline, without the AppHost.
/// </summary>
public static class Cli
{
    public const int ExitUsage = UsageErrors.ExitCode;

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = Build().Parse(args);
        if (UsageErrors.Reported(parse))
        {
            return UsageErrors.ExitCode;
        }

        return await parse.InvokeAsync().ConfigureAwait(false);
    }

    public static RootCommand Build()
    {
        var pipeline = new Option<string>("--pipeline") { Description = "The pipeline under attack.", Required = true };
        pipeline.AcceptOnlyFromAmong("insecure", "secure");
        var broker = new Option<string>("--broker") { Description = "Its broker: mqtt://host:port or mqtts://host:port.", Required = true };
        var actuator = new Option<Uri>("--actuator")
        {
            Description = "Its actuator's HTTP address (the judge of every attempt).",
            Required = true,
            CustomParser = ParseHttpAddress,
        };
        var sensor = new Option<Uri?>("--sensor")
        {
            Description = "Its sensor's HTTP address, to make legit readings happen during replay attacks.",
            CustomParser = ParseHttpAddress,
        };
        var secretFile = new Option<FileInfo?>("--control-secret-file")
        {
            Description = "The AppHost run's control-secret file (the sensor's POST /publish needs it).",
        };
        var keys = new Option<DirectoryInfo?>("--keys") { Description = "The keys folder the attacker steals from (default: the repository's keys/)." };
        var ca = new Option<FileInfo?>("--ca") { Description = "CA certificate of an mqtts:// broker (default: keys/broker/ca.crt.pem)." };
        var attempts = new Option<int>("--attempts")
        {
            Description = $"Attempts per attack and level, 1..{CampaignRequest.MaxAttempts}.",
            DefaultValueFactory = _ => 100,
        };
        var attacks = new Option<string?>("--attacks") { Description = "Comma-separated attacks to run (default: the whole catalogue)." };
        var floodRate = new Option<double>("--flood-rate") { Description = "Messages per second of the flood attack.", DefaultValueFactory = _ => 5000 };
        var floodMessages = new Option<int>("--flood-messages")
        {
            Description = $"Messages of the flood attack, 0..{CampaignRequest.MaxFloodMessages} (0: decided by --attempts).",
            DefaultValueFactory = _ => 0,
        };
        var announcementSeconds = new Option<double>("--announcement-flood-seconds")
        {
            Description = "Seconds of the announcement flood per level, 0.5..600.",
            DefaultValueFactory = _ => CampaignRequest.DefaultAnnouncementFloodSeconds,
        };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the campaign report as JSON to this file." };

        var campaign = new Command("campaign", "Runs the attack catalogue at every capability level against one running pipeline and prints what got through.")
        {
            pipeline, broker, actuator, sensor, secretFile, keys, ca, attempts, attacks, floodRate, floodMessages, announcementSeconds, json,
        };
        campaign.SetAction((parse, cancellationToken) => RunCampaignAsync(new CliArguments(
            parse.GetRequiredValue(pipeline), parse.GetRequiredValue(broker), parse.GetRequiredValue(actuator), parse.GetValue(sensor),
            parse.GetValue(secretFile), parse.GetValue(keys), parse.GetValue(ca), parse.GetValue(attempts), parse.GetValue(attacks),
            parse.GetValue(floodRate), parse.GetValue(floodMessages), parse.GetValue(announcementSeconds), parse.GetValue(json)), cancellationToken));
        // Without "campaign" the attacker runs as the AppHost's service (Program.cs); this command line is for one campaign.
        return new RootCommand("The SmartHome attacker.") { campaign };
    }

    private static Uri ParseHttpAddress(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
        {
            return uri;
        }

        result.AddError($"'{text}' is not an http:// or https:// address.");
        return null!;
    }

    private static async Task<int> RunCampaignAsync(CliArguments a, CancellationToken ct)
    {
        var paths = new KeyPaths(a.Keys?.FullName ?? KeyPaths.FindDefaultRoot());
        CampaignSettings settings;
        try
        {
            settings = new CampaignSettings(a.Pipeline, BrokerTarget.Parse(a.Broker, a.Ca?.FullName ?? paths.BrokerCaCertificate),
                AttackerSecrets.FromKeysFolder(paths));
        }
        catch (FormatException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message).ConfigureAwait(false);
            return ExitUsage;
        }

        if (!CampaignRunner.TryCreateRequest(a.Attempts, a.Attacks, out var request, out var error, a.FloodRate, a.FloodMessages, a.AnnouncementSeconds))
        {
            await Console.Error.WriteLineAsync(error).ConfigureAwait(false);
            return ExitUsage;
        }

        // The sensor's /publish needs the AppHost run's control secret (its run directory's control-secret file).
        string? secret = null;
        if (a.SecretFile is { } secretFile)
        {
            try
            {
                secret = (await File.ReadAllTextAsync(secretFile.FullName, ct).ConfigureAwait(false)).Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"--control-secret-file {secretFile}: {ex.Message}").ConfigureAwait(false);
                return ExitUsage;
            }
        }

        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
        using var actuator = new HttpClient { BaseAddress = a.Actuator, Timeout = TimeSpan.FromSeconds(30) };
        using var sensor = a.Sensor is { } sensorUrl ? AttackerConfiguration.ControlClient(sensorUrl, TimeSpan.FromSeconds(60), secret) : null;
        await using var campaign = new Campaign(settings, new Victim(actuator, sensor), loggers.CreateLogger("SmartHome.Attacker.Campaign"));
        var report = await campaign.RunAsync(request, ct).ConfigureAwait(false);
        Console.WriteLine(ReportTable.Render(report));
        if (a.Json is { } jsonFile)
        {
            await File.WriteAllTextAsync(jsonFile.FullName, JsonSerializer.Serialize(report, AttackerJson.Default.CampaignReport), ct).ConfigureAwait(false);
            Console.WriteLine($"Results written to {jsonFile.FullName}");
        }

        return 0;
    }

    /// <summary>The parsed command line of one campaign.</summary>
    private sealed record CliArguments(string Pipeline, string Broker, Uri Actuator, Uri? Sensor, FileInfo? SecretFile, DirectoryInfo? Keys,
        FileInfo? Ca, int Attempts, string? Attacks, double FloodRate, int FloodMessages, double AnnouncementSeconds, FileInfo? Json);
}
