using SmartHome.Messaging;
using SmartHome.ServiceDefaults;

namespace SmartHome.Attacker;

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
    /// Where the pipeline's actuator or sensor is: Attacker:{role}Url, else <c>http://{pipeline}-{role}</c>, which Aspire service
    /// discovery resolves from the reference the AppHost gave (<c>services:{pipeline}-{role}:http:0</c>). Null when neither is set.
    /// </summary>
    public static Uri? VictimAddress(IConfiguration configuration, string pipeline, string role)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (configuration[$"Attacker:{role}Url"] is { Length: > 0 } url)
        {
            return new Uri(url);
        }

        var resource = $"{pipeline}-{role}";
        return configuration.GetSection($"services:{resource}").Exists() ? new Uri($"http://{resource}") : null;
    }

    /// <summary>
    /// Adds the named HTTP client of the pipeline's actuator or sensor (resolved by service discovery), sending the run's control
    /// secret (the sensor's /publish needs it to make legit readings happen). False when the AppHost referenced no such resource.
    /// </summary>
    public static bool AddVictimClient(IHostApplicationBuilder builder, string pipeline, string role)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (VictimAddress(builder.Configuration, pipeline, role) is not { } address)
        {
            return false;
        }

        var secret = builder.Configuration[$"{ControlOptions.SectionName}:{nameof(ControlOptions.ControlSecret)}"];
        builder.Services.AddHttpClient(role, client =>
        {
            client.BaseAddress = address;
            client.Timeout = TimeSpan.FromSeconds(30);
            AddControlSecret(client, secret);
        }).AddServiceDiscovery();
        return true;
    }

    public static HttpClient ControlClient(Uri baseAddress, TimeSpan timeout, string? controlSecret)
    {
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = timeout };
        AddControlSecret(client, controlSecret);
        return client;
    }

    private static void AddControlSecret(HttpClient client, string? controlSecret)
    {
        if (!string.IsNullOrEmpty(controlSecret))
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(ControlAccess.Scheme, controlSecret);
        }
    }
}
