using System.Text.Json;
using SmartHome.Attacker;
using SmartHome.Messaging;
using SmartHome.Security;
using SmartHome.ServiceDefaults;

if (args.Length > 0 && args[0] == "campaign")
{
    return await Cli.RunAsync(args[1..]).ConfigureAwait(false);
}

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("attacker");

string pipeline;
CampaignSettings settings;
try
{
    pipeline = ProtectionRegistration.GetPipeline(builder.Configuration);
    settings = AttackerConfiguration.Settings(builder.Configuration, pipeline);
}
catch (Exception ex) when (ex is InvalidOperationException or FormatException)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

builder.Services.AddSingleton(_ =>
    AttackerConfiguration.VictimClient(builder.Configuration, pipeline, "actuator") is { } actuator
        ? new Victim(actuator, AttackerConfiguration.VictimClient(builder.Configuration, pipeline, "sensor"))
        : throw new InvalidOperationException($"No URL for {pipeline}-actuator: reference it from the AppHost or set Attacker:ActuatorUrl."));
builder.Services.AddSingleton<CampaignRunner>(sp => new CampaignRunner(settings, sp.GetRequiredService<Victim>(),
    sp.GetRequiredService<ILoggerFactory>().CreateLogger("SmartHome.Attacker.Campaign")));
builder.Services.AddSingleton<FloodRunner>(sp => new FloodRunner(settings, sp.GetRequiredService<Victim>(),
    sp.GetRequiredService<ILoggerFactory>().CreateLogger("SmartHome.Attacker.Flood")));

var app = builder.Build();
app.MapDefaultEndpoints();

app.MapGet("/", () => Results.Ok(new { pipeline, attacks = Attacks.All.Append(Attacks.ReplayAfterRestart), broker = $"{settings.Broker.Host}:{settings.Broker.Port}" })).RequireLoopback();

// Runs a campaign now and answers with its results (per attack × level).
app.MapPost("/campaign", async (CampaignRunner runner, int? attempts, string? attacks, double? floodRate, int? floodMessages,
    double? announcementFloodSeconds, CancellationToken ct) =>
{
    if (!CampaignRunner.TryCreateRequest(attempts, attacks, out var request, out var error, floodRate, floodMessages, announcementFloodSeconds))
    {
        return Results.BadRequest(new { error });
    }

    var report = await runner.RunAsync(c => c.RunAsync(request, ct), ct).ConfigureAwait(false);
    return report is null ? Results.Conflict(new { error = "a campaign is already running" }) : Results.Json(report, AttackerJson.Default.CampaignReport);
}).RequireControlSecret();

app.MapGet("/campaign/last", (CampaignRunner runner) =>
    runner.Last is { } last ? Results.Json(last, AttackerJson.Default.CampaignReport) : Results.NotFound(new { error = "no campaign has run yet" }))
    .RequireLoopback();

// replay-after-restart, step 1: capture legit traffic (the AppHost then restarts the actuator).
app.MapPost("/campaign/restart/prepare", async (CampaignRunner runner, int? attempts, CancellationToken ct) =>
{
    var n = Math.Clamp(attempts ?? 100, 1, CampaignRequest.MaxAttempts);
    var captured = await runner.PrepareRestartAsync(n, ct).ConfigureAwait(false);
    return Results.Ok(new { captured, attempts = n });
}).RequireControlSecret();

// replay-after-restart, step 2: replay the captures to the restarted actuator and judge.
app.MapPost("/campaign/restart/replay", async (CampaignRunner runner, CancellationToken ct) =>
{
    var report = await runner.ReplayAfterRestartAsync(ct).ConfigureAwait(false);
    return report is null
        ? Results.BadRequest(new { error = "nothing captured: POST /campaign/restart/prepare first" })
        : Results.Json(report, AttackerJson.Default.CampaignReport);
}).RequireControlSecret();

// A sustained flood at an exact rate (QoS 0, fire-and-forget) for up to an hour; answers when it is over.
app.MapPost("/flood", async (FloodRunner runner, double? rate, int? seconds, string? level, string? mix, CancellationToken ct) =>
{
    if (!FloodRequest.TryCreate(rate, seconds, level, mix, out var request, out var error))
    {
        return Results.BadRequest(new { error });
    }

    if (!settings.Broker.IsLoopback)
    {
        return Results.BadRequest(new { error = "refused: the flood only targets a broker on this machine (loopback)" });
    }

    var result = await runner.RunAsync(request, ct).ConfigureAwait(false);
    return result is null
        ? Results.Conflict(new { error = "a flood is already running (GET /flood/status)" })
        : Results.Json(result, AttackerJson.Default.FloodResult);
}).RequireControlSecret();

// While a flood runs: its phase (preparing, flooding) and the messages sent so far; afterwards the last result.
app.MapGet("/flood/status", (FloodRunner runner) => Results.Json(runner.Status(), AttackerJson.Default.FloodStatus)).RequireLoopback();

app.Run();
return 0;

namespace SmartHome.Attacker
{
    /// <summary>Reads the attacker's target from configuration (AppHost environment or CLI options).</summary>
    public static class AttackerConfiguration
    {
        public static CampaignSettings Settings(IConfiguration configuration, string pipeline)
        {
            var connectionString = configuration.GetConnectionString(BrokerClientFactory.ConnectionName);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                throw new InvalidOperationException("No broker: set ConnectionStrings:broker (the AppHost does this through WithReference).");
            }

            var ca = configuration["Broker:CaCertificate"] is { Length: > 0 } c ? c : null;
            return new CampaignSettings(pipeline, BrokerTarget.Parse(connectionString, ca), AttackerSecrets.FromConfiguration(configuration));
        }

        /// <summary>
        /// HTTP client of the pipeline's actuator or sensor: Attacker:{role}Url, else Aspire service discovery. It sends the run's
        /// control secret (the sensor's /publish needs it to make legit readings happen).
        /// </summary>
        public static HttpClient? VictimClient(IConfiguration configuration, string pipeline, string role)
        {
            var url = configuration[$"Attacker:{role}Url"] ?? configuration[$"services:{pipeline}-{role}:http:0"];
            return string.IsNullOrWhiteSpace(url)
                ? null
                : ControlClient(new Uri(url), TimeSpan.FromSeconds(30), configuration[$"{ControlOptions.SectionName}:{nameof(ControlOptions.ControlSecret)}"]);
        }

        public static HttpClient ControlClient(Uri baseAddress, TimeSpan timeout, string? controlSecret)
        {
            var client = new HttpClient { BaseAddress = baseAddress, Timeout = timeout };
            if (!string.IsNullOrEmpty(controlSecret))
            {
                client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(ControlAccess.Scheme, controlSecret);
            }

            return client;
        }
    }

    /// <summary>One campaign at a time; remembers the last report and the captures of replay-after-restart.</summary>
    public sealed class CampaignRunner(CampaignSettings settings, Victim victim, ILogger logger)
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private List<Capture>? _restartCaptures;
        private int _restartAttempts;

        public CampaignReport? Last { get; private set; }

        public static bool TryCreateRequest(int? attempts, string? attacks, out CampaignRequest request, out string error,
            double? floodRate = null, int? floodMessages = null, double? announcementFloodSeconds = null)
        {
            var n = attempts ?? 100;
            var list = string.IsNullOrWhiteSpace(attacks)
                ? Attacks.All.ToList()
                : attacks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
            request = new CampaignRequest(n, list, floodRate ?? 5000, floodMessages ?? 0,
                AnnouncementFloodSeconds: announcementFloodSeconds ?? CampaignRequest.DefaultAnnouncementFloodSeconds);
            if (announcementFloodSeconds is < 0.5 or > 600)
            {
                error = "announcementFloodSeconds must be 0.5..600";
                return false;
            }

            if (n is < 1 or > CampaignRequest.MaxAttempts)
            {
                error = $"attempts must be 1..{CampaignRequest.MaxAttempts}";
                return false;
            }

            var unknown = list.Where(a => !Attacks.IsKnown(a)).ToList();
            if (unknown.Count > 0)
            {
                error = $"unknown attack(s): {string.Join(", ", unknown)}; known: {string.Join(", ", Attacks.All.Append(Attacks.ReplayAfterRestart))}";
                return false;
            }

            if (floodMessages is < 0 or > CampaignRequest.MaxFloodMessages)
            {
                error = $"floodMessages must be 0..{CampaignRequest.MaxFloodMessages}";
                return false;
            }

            error = string.Empty;
            return true;
        }

        public async Task<CampaignReport?> RunAsync(Func<Campaign, Task<CampaignReport>> run, CancellationToken ct)
        {
            if (!await _gate.WaitAsync(0, ct).ConfigureAwait(false))
            {
                return null;
            }

            try
            {
                await using var campaign = new Campaign(settings, victim, logger);
                Last = await run(campaign).ConfigureAwait(false);
                return Last;
            }
            finally
            {
                _gate.Release();
            }
        }

        public async Task<int> PrepareRestartAsync(int attempts, CancellationToken ct)
        {
            await _gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                await using var campaign = new Campaign(settings, victim, logger);
                _restartCaptures = await campaign.CaptureForRestartAsync(attempts, ct).ConfigureAwait(false);
                _restartAttempts = attempts;
                return _restartCaptures.Count;
            }
            finally
            {
                _gate.Release();
            }
        }

        public async Task<CampaignReport?> ReplayAfterRestartAsync(CancellationToken ct)
        {
            if (_restartCaptures is not { } captures)
            {
                return null;
            }

            return await RunAsync(c => c.ReplayAfterRestartAsync(captures, _restartAttempts, ct), ct).ConfigureAwait(false);
        }
    }

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

    /// <summary>A campaign as a Markdown table (CLI output, README, dashboard command message).</summary>
    public static class ReportTable
    {
        public static string Render(CampaignReport report)
        {
            var sb = new System.Text.StringBuilder();
            sb.AppendLine("| pipeline | attack | level | attempts | succeeded | blocked by |");
            sb.AppendLine("| --- | --- | --- | ---: | ---: | --- |");
            foreach (var r in report.Results)
            {
                var blocked = string.Join(", ", r.BlockedBy.OrderByDescending(b => b.Value).Select(b => $"{b.Key} {b.Value}"));
                if (r.Unjudged > 0)
                {
                    blocked += $" (unjudged {r.Unjudged})";
                }

                sb.AppendLine(System.Globalization.CultureInfo.InvariantCulture,
                    $"| {r.Pipeline} | {r.Attack} | {r.Level} | {r.Attempts} | {r.Succeeded} | {(r.Attempts == 0 ? r.Notes : blocked)} |");
            }

            return sb.ToString();
        }
    }
}
