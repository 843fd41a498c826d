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
