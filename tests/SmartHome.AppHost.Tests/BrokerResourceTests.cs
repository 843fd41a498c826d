using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using SmartHome.AppHost.Brokers;

namespace SmartHome.AppHost.Tests;

/// <summary>What AddMosquitto and its fluent methods put into the model; nothing is started.</summary>
public sealed class BrokerResourceTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly IDistributedApplicationBuilder _builder = DistributedApplication.CreateBuilder();

    // Any existing file will do: the model only records the command, nothing runs it.
    private string FakeMosquitto => _temp.File("mosquitto");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_broker_has_one_unproxied_tcp_endpoint_on_its_port()
    {
        var broker = _builder.AddMosquitto("broker", 18830, FakeMosquitto);

        var endpoint = Assert.Single(broker.Resource.Annotations.OfType<EndpointAnnotation>());
        Assert.Equal("mqtt", endpoint.Name);
        Assert.Equal("tcp", endpoint.UriScheme);
        Assert.Equal(18830, endpoint.Port);
        Assert.Equal(18830, endpoint.TargetPort);
        Assert.False(endpoint.IsProxied);
        Assert.Equal(18830, broker.Resource.Settings.Port);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    public void No_port_means_a_free_port_chosen_while_the_model_is_built(int? port)
    {
        var broker = _builder.AddEmbeddedMosquitto("broker", port);

        var endpoint = Assert.Single(broker.Resource.Annotations.OfType<EndpointAnnotation>());
        Assert.InRange(endpoint.Port!.Value, 1, 65535);
        Assert.Equal(endpoint.Port, broker.Resource.Settings.Port);
    }

    [Fact]
    public async Task The_broker_runs_the_config_generated_in_its_data_directory()
    {
        var directory = Path.Combine(_temp.Path, "run", "broker");
        var broker = _builder.AddMosquitto("broker", 18831, FakeMosquitto).WithDataDirectory(directory);

#pragma warning disable CS0618 // The evaluator for a model that is not running.
        var args = await broker.Resource.GetArgumentValuesAsync(DistributedApplicationOperation.Publish);
#pragma warning restore CS0618
        Assert.Equal(["-c", Path.Combine(directory, "mosquitto.conf")], args[^2..]);
        Assert.Contains(FakeMosquitto, args.Append(broker.Resource.Command));
        Assert.Equal(directory, broker.Resource.WorkingDirectory);
    }

    [Fact]
    public void Plaintext_until_WithTls_and_then_mqtts()
    {
        var broker = _builder.AddEmbeddedMosquitto("broker", 18832);
        Assert.False(broker.Resource.UseTls);
        Assert.StartsWith("mqtt://", broker.Resource.ConnectionStringExpression.ValueExpression, StringComparison.Ordinal);

        broker.WithTls("ca.pem", "server.pem", "server.key");

        Assert.True(broker.Resource.UseTls);
        Assert.StartsWith("mqtts://", broker.Resource.ConnectionStringExpression.ValueExpression, StringComparison.Ordinal);
        Assert.Equal(new BrokerTlsFiles("ca.pem", "server.pem", "server.key"), broker.Resource.Settings.Tls);
    }

    [Fact]
    public void Each_broker_gets_its_own_mqtt_health_check()
    {
        var first = _builder.AddEmbeddedMosquitto("first", 18833);
        var second = _builder.AddEmbeddedMosquitto("second", 18834);

        Assert.Equal("first-mqtt", Assert.Single(first.Resource.Annotations.OfType<HealthCheckAnnotation>()).Key);
        Assert.Equal("second-mqtt", Assert.Single(second.Resource.Annotations.OfType<HealthCheckAnnotation>()).Key);
    }

    [Fact]
    public void WithFilesFrom_waits_for_the_producer_to_complete()
    {
        var keygen = _builder.AddExecutable("keygen", "true", _temp.Path);
        var broker = _builder.AddEmbeddedMosquitto("broker", 18835).WithFilesFrom(keygen);

        var wait = Assert.Single(broker.Resource.Annotations.OfType<WaitAnnotation>());
        Assert.Same(keygen.Resource, wait.Resource);
        Assert.Equal(WaitType.WaitForCompletion, wait.WaitType);
        Assert.Same(keygen.Resource, broker.Resource.Settings.FilesProducer);
    }

    [Fact]
    public void Arguments_are_guarded()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => _builder.AddEmbeddedMosquitto("broker", 65536));
        Assert.Throws<ArgumentOutOfRangeException>(() => _builder.AddEmbeddedMosquitto("broker", -1));
        var broker = _builder.AddEmbeddedMosquitto("broker", 18836);
        Assert.ThrowsAny<ArgumentException>(() => broker.WithPasswordFile("", () => new BrokerAccount("u", "p")));
        Assert.ThrowsAny<ArgumentException>(() => broker.WithTls("ca.pem", "", "key.pem"));
        Assert.ThrowsAny<ArgumentException>(() => broker.WithDataDirectory(""));
        Assert.Throws<ArgumentNullException>(() => broker.WithAcl(null!));
    }

    [Fact]
    public void A_missing_mosquitto_is_one_sentence_naming_the_path()
    {
        var missing = Path.Combine(_temp.Path, "no-such-mosquitto");
        var error = Assert.Throws<InvalidOperationException>(() => _builder.AddMosquitto("broker", 18837, missing));
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }
}
