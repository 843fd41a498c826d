using Microsoft.Extensions.Configuration;

namespace SmartHome.Attacker.Tests;

/// <summary>Where the attacker looks for its victim: an explicit URL first, else the resource the AppHost referenced.</summary>
public sealed class VictimAddressTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void A_referenced_resource_is_addressed_by_name_for_service_discovery()
    {
        var config = Config(("services:secure-actuator:http:0", "http://localhost:5123"));

        Assert.Equal(new Uri("http://secure-actuator"), AttackerConfiguration.VictimAddress(config, "secure", "actuator"));
        Assert.Null(AttackerConfiguration.VictimAddress(config, "secure", "sensor"));
        Assert.Null(AttackerConfiguration.VictimAddress(config, "insecure", "actuator"));
    }

    [Fact]
    public void An_explicit_url_wins()
    {
        var config = Config(("services:secure-actuator:http:0", "http://localhost:5123"), ("Attacker:actuatorUrl", "http://127.0.0.1:7000"));

        Assert.Equal(new Uri("http://127.0.0.1:7000"), AttackerConfiguration.VictimAddress(config, "secure", "actuator"));
    }
}
