using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SmartHome.AppHost.Brokers;

namespace SmartHome.AppHost.Tests;

/// <summary>The broker health check against a port where nothing listens: its messages, and that it reads the broker's files once.</summary>
public sealed class MqttBrokerHealthCheckTests
{
    private static readonly HealthCheckContext Context = new();

    [Fact]
    public async Task Files_not_yet_written_are_unhealthy_and_read_again_at_the_next_check_then_never_again()
    {
        var reads = 0;
        var written = false;
        var settings = new MosquittoSettings(MosquittoBuilderExtensions.FreeTcpPort(), Path.GetTempPath())
        {
            HealthAccount = () =>
            {
                reads++;
                return written ? new BrokerAccount("health", "secret") : throw new FileNotFoundException("health.password is missing");
            },
        };
        var check = new MqttBrokerHealthCheck(settings);

        var beforeKeyGen = await check.CheckHealthAsync(Context);
        written = true;
        var afterKeyGen = await check.CheckHealthAsync(Context);
        var again = await check.CheckHealthAsync(Context);

        Assert.Equal(HealthStatus.Unhealthy, beforeKeyGen.Status);
        Assert.Contains("cannot read the broker's files yet", beforeKeyGen.Description, StringComparison.Ordinal);
        // Nothing listens there: the options were built, the connect failed.
        Assert.Equal(HealthStatus.Unhealthy, afterKeyGen.Status);
        Assert.Contains($"MQTT connect to 127.0.0.1:{settings.Port} failed", afterKeyGen.Description, StringComparison.Ordinal);
        Assert.Equal(afterKeyGen.Description, again.Description);
        Assert.Equal(2, reads);
    }
}
