using Microsoft.Extensions.Configuration;

namespace SmartHome.Messaging.Tests;

/// <summary>
/// Broker:Username/Broker:Password (an external broker's one login per pipeline, Broker:Mode=external) replace the
/// per-identity accounts; without them each identity logs in as itself with its own password file.
/// </summary>
public sealed class PipelineLoginTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void A_pipeline_login_is_used_for_every_identity()
    {
        var config = Config(("ConnectionStrings:broker", "mqtt://127.0.0.1:1883"), ("Broker:Authenticate", "true"),
            ("Broker:Username", "lab"), ("Broker:Password", "secret-from-parameter"));
        foreach (var identity in new[] { "temp-living", "actuator" })
        {
            var options = BrokerClientFactory.CreateOptions(config, identity, identity);
            Assert.Equal("lab", options.Username);
            Assert.Equal("secret-from-parameter", options.Password);
        }
    }

    [Fact]
    public void Without_one_each_identity_is_its_own_account()
    {
        var config = Config(("ConnectionStrings:broker", "mqtt://127.0.0.1:1883"), ("Broker:Authenticate", "true"),
            ("Broker:Passwords:temp-living", "device-password"));
        var options = BrokerClientFactory.CreateOptions(config, "temp-living", "temp-living");
        Assert.Equal("temp-living", options.Username);
        Assert.Equal("device-password", options.Password);
        Assert.Throws<InvalidOperationException>(() => BrokerClientFactory.CreateOptions(config, "actuator", "actuator"));
    }
}
