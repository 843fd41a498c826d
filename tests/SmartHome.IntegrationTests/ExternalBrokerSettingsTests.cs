using Microsoft.Extensions.Configuration;
using SmartHome.AppHost;

namespace SmartHome.IntegrationTests;

/// <summary>Broker:Mode=external's settings per pipeline, read without starting anything.</summary>
public sealed class ExternalBrokerSettingsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void A_connection_string_per_pipeline_with_login_and_ca()
    {
        var ca = Path.GetTempFileName();
        try
        {
            var (settings, error) = ExternalBrokers.Read(Config(("ConnectionStrings:secure-broker", "mqtts://mqtt.example.net:8883"),
                ("Broker:External:Secure:Username", "lab"), ("Broker:External:Secure:CaFile", ca)), "secure");
            Assert.Null(error);
            Assert.Equal(new ExternalBrokerSettings("mqtts://mqtt.example.net:8883", "mqtt.example.net", 8883, true, "lab", ca), settings);
        }
        finally
        {
            File.Delete(ca);
        }
    }

    [Theory]
    [InlineData("insecure", null, "ConnectionStrings:insecure-broker")]
    [InlineData("insecure", "http://host:80", "ConnectionStrings:insecure-broker")]
    [InlineData("insecure", "mqtt://user:pw@host:1883", "no credentials")]
    [InlineData("secure", "mqtt://host:1883", "must be mqtts://")]
    public void A_missing_or_wrong_connection_string_is_one_sentence_naming_the_key(string pipeline, string? uri, string expected)
    {
        var (settings, error) = ExternalBrokers.Read(uri is null ? Config() : Config(($"ConnectionStrings:{pipeline}-broker", uri)), pipeline);
        Assert.Null(settings);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_ca_file_is_named()
    {
        var (_, error) = ExternalBrokers.Read(Config(("ConnectionStrings:secure-broker", "mqtts://localhost:8883"),
            ("Broker:External:Secure:CaFile", "/nonexistent/ca.pem")), "secure");
        Assert.Contains("/nonexistent/ca.pem", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_AppHost_refuses_external_mode_without_a_connection_string_in_one_sentence()
    {
        // Settings fail before any resource starts: the AppHost process exits at once.
        var (code, stdout, stderr) = await AppHostProcess.RunToExitAsync("SmartHome.AppHost", ["--Broker:Mode=external"]);
        var error = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(1, code);
        Assert.Contains("ConnectionStrings:insecure-broker", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error + stdout, StringComparison.Ordinal);
    }
}
