using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using SmartHome.AppHost.Brokers;

namespace SmartHome.AppHost.Tests;

/// <summary>The files a hosted broker starts with, written as they are just before each start.</summary>
public sealed class BrokerFileStagerTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly IDistributedApplicationBuilder _builder = DistributedApplication.CreateBuilder();

    public void Dispose() => _temp.Dispose();

    private string BrokerDirectory => Path.Combine(_temp.Path, "broker");

    [Fact]
    public void A_broker_without_password_file_is_anonymous_and_persistent()
    {
        var broker = _builder.AddEmbeddedMosquitto("broker", 18840).WithDataDirectory(BrokerDirectory);

        BrokerFileStager.Stage(broker.Resource);

        var config = File.ReadAllLines(Path.Combine(BrokerDirectory, "mosquitto.conf"));
        Assert.Contains("listener 18840 127.0.0.1", config);
        Assert.Contains("allow_anonymous true", config);
        Assert.Contains($"persistence_location {Path.Combine(BrokerDirectory, "data")}/", config);
        Assert.DoesNotContain(config, l => l.StartsWith("password_file", StringComparison.Ordinal) || l.StartsWith("acl_file", StringComparison.Ordinal));
        Assert.True(Directory.Exists(Path.Combine(BrokerDirectory, "data")));
    }

    [Fact]
    public void Passwords_acl_and_tls_are_copied_in_and_named_in_the_config()
    {
        var acl = "user health\ntopic read $SYS/#\n";
        var broker = _builder.AddEmbeddedMosquitto("broker", 18841).WithDataDirectory(BrokerDirectory)
            .WithPasswordFile(_temp.File("passwd.src", "health:$7$hash"), () => new BrokerAccount("health", "secret"))
            .WithAcl(() => acl)
            .WithTls(_temp.File("ca.src", "CA"), _temp.File("cert.src", "CERT"), _temp.File("key.src", "KEY"));

        BrokerFileStager.Stage(broker.Resource);

        var config = File.ReadAllLines(Path.Combine(BrokerDirectory, "mosquitto.conf"));
        Assert.Contains("allow_anonymous false", config);
        Assert.Contains($"password_file {Path.Combine(BrokerDirectory, "passwd")}", config);
        Assert.Contains($"acl_file {Path.Combine(BrokerDirectory, "acl")}", config);
        Assert.Contains($"cafile {Path.Combine(BrokerDirectory, "ca.crt.pem")}", config);
        Assert.Contains($"keyfile {Path.Combine(BrokerDirectory, "server.key.pem")}", config);
        Assert.Equal("health:$7$hash", File.ReadAllText(Path.Combine(BrokerDirectory, "passwd")));
        Assert.Equal(acl, File.ReadAllText(Path.Combine(BrokerDirectory, "acl")));
        Assert.Equal("KEY", File.ReadAllText(Path.Combine(BrokerDirectory, "server.key.pem")));
    }

    [Fact]
    public void The_acl_is_rendered_again_at_each_start()
    {
        var accounts = new List<string> { "sensor" };
        var broker = _builder.AddEmbeddedMosquitto("broker", 18842).WithDataDirectory(BrokerDirectory)
            .WithAcl(() => string.Join('\n', accounts.Select(a => $"user {a}")));

        BrokerFileStager.Stage(broker.Resource);
        accounts.Add("actuator");
        BrokerFileStager.Stage(broker.Resource);

        Assert.Equal("user sensor\nuser actuator", File.ReadAllText(Path.Combine(BrokerDirectory, "acl")));
    }

    [Fact]
    public void A_missing_key_file_says_to_run_the_key_generator()
    {
        var missing = Path.Combine(_temp.Path, "no-passwd");
        var broker = _builder.AddEmbeddedMosquitto("broker", 18843).WithDataDirectory(BrokerDirectory)
            .WithPasswordFile(missing, () => new BrokerAccount("health", "secret"));

        var error = Assert.Throws<FileNotFoundException>(() => BrokerFileStager.Stage(broker.Resource));
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("SmartHome.KeyGen", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_container_sees_its_files_through_the_bind_mount()
    {
        var broker = _builder.AddMosquittoContainer("broker", 18844).WithDataDirectory(BrokerDirectory)
            .WithPasswordFile(_temp.File("passwd.src", "u:h"), () => new BrokerAccount("u", "p"));

        BrokerFileStager.Stage(broker.Resource);

        var config = File.ReadAllLines(Path.Combine(BrokerDirectory, "mosquitto.conf"));
        Assert.Contains("listener 1883 0.0.0.0", config);
        Assert.Contains("password_file /mosquitto/config/passwd", config);
        var mount = Assert.Single(broker.Resource.Annotations.OfType<ContainerMountAnnotation>());
        Assert.Equal(BrokerDirectory, mount.Source);
        Assert.Equal("/mosquitto/config", mount.Target);
    }
}
