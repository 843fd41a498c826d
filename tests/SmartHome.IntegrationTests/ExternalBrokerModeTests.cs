using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using SmartHome.AppHost.Brokers;
using SmartHome.Contracts;
using SmartHome.Security;

namespace SmartHome.IntegrationTests;

/// <summary>
/// Two Mosquitto brokers started outside the AppHost (its own config files, on loopback: the lab's insecure settings, and
/// TLS + hashed passwords + ACL with the keys generated beforehand), then the AppHost with <c>Broker:Mode=external</c>
/// and one connection string per pipeline. Every process started here is killed at the end.
/// </summary>
public sealed class ExternalBrokersFixture : IAsyncLifetime
{
    private readonly List<MosquittoProcess> _brokers = [];
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "smarthome-external-" + Guid.NewGuid().ToString("N")[..8]);

    public SmartHomeAppFixture App { get; } = new();

    public int InsecurePort { get; } = MosquittoProcess.FreePort();

    public int SecurePort { get; } = MosquittoProcess.FreePort();

    public async Task InitializeAsync()
    {
        if (SmartHome.Tests.HostTools.Find("mosquitto") is not { } mosquitto)
        {
            return;
        }

        Directory.CreateDirectory(_directory);
        var keys = new KeyPaths(App.KeysDirectory);
        KeyMaterialGenerator.Generate(keys, new KeyGenOptions());
        var acl = Path.Combine(_directory, "acl");
        await File.WriteAllTextAsync(acl, BrokerAcl.For(keys));
        var user = $"user {Environment.UserName}\n";
        await StartAsync(mosquitto, "insecure.conf", new MosquittoConfig { Port = InsecurePort }.Render() + user, InsecurePort);
        await StartAsync(mosquitto, "secure.conf", new MosquittoConfig
        {
            Port = SecurePort,
            PasswordFile = keys.BrokerPasswordFile,
            AclFile = acl,
            CaFile = keys.BrokerCaCertificate,
            CertFile = keys.BrokerServerCertificate,
            KeyFile = keys.BrokerServerPrivateKey,
        }.Render() + user, SecurePort);

        App.ExtraArgs.Add("--Broker:Mode=external");
        App.ExtraArgs.Add($"--ConnectionStrings:insecure-broker=mqtt://127.0.0.1:{InsecurePort}");
        App.ExtraArgs.Add($"--ConnectionStrings:secure-broker=mqtts://localhost:{SecurePort}");
        App.ExtraArgs.Add($"--Broker:External:Secure:CaFile={keys.BrokerCaCertificate}");
        App.ExtraArgs.Add($"--Broker:External:Secure:Username={BrokerAcl.Health}");
        App.ExtraArgs.Add($"--Parameters:secure-broker-password={BrokerPasswords.ReadPasswordFile(keys.BrokerPassword(BrokerAcl.Health))}");
        await App.InitializeAsync();
    }

    private async Task StartAsync(string mosquitto, string name, string config, int port)
    {
        var path = Path.Combine(_directory, name);
        await File.WriteAllTextAsync(path, config);
        _brokers.Add(await MosquittoProcess.StartAsync(mosquitto, path, port));
    }

    public async Task DisposeAsync()
    {
        if (App.ExtraArgs.Count > 0)
        {
            await App.DisposeAsync();
        }

        foreach (var broker in _brokers)
        {
            await broker.DisposeAsync();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}

/// <summary>Both pipelines run against brokers the AppHost did not start (<c>Broker:Mode=external</c>).</summary>
public sealed class ExternalBrokerModeTests(ExternalBrokersFixture external) : IClassFixture<ExternalBrokersFixture>
{
    [ToolFact("mosquitto")]
    public async Task Both_pipelines_run_against_brokers_started_outside_the_apphost()
    {
        var fixture = external.App;
        var model = fixture.App.Services.GetRequiredService<DistributedApplicationModel>();
        Assert.Empty(model.Resources.OfType<MosquittoResource>());
        Assert.Empty(model.Resources.OfType<EmbeddedBrokerResource>());
        Assert.Empty(model.Resources.OfType<MosquittoContainerResource>());
        Assert.Equal(2, model.Resources.OfType<SmartHome.AppHost.ExternalBrokerResource>().Count());
        Assert.Equal($"mqtts://localhost:{external.SecurePort}", await fixture.App.GetConnectionStringAsync("secure-broker"));

        await fixture.WaitHealthyAsync("insecure-broker", "secure-broker", "insecure-actuator", "insecure-sensor", "secure-actuator", "secure-sensor");
        foreach (var actuator in new[] { "insecure-actuator", "secure-actuator" })
        {
            var http = fixture.Http(actuator);
            // Readings, not only the secure sensor's session-key announcements (smarthome/keys/...).
            var readings = await fixture.EventuallyAsync(async () =>
            {
                var decisions = await http.GetAsync<List<Decision>>("/decisions?verdict=applied&limit=1000");
                var applied = decisions?.Where(d => d.Topic.StartsWith("smarthome/readings/", StringComparison.Ordinal)).ToList();
                return applied is { Count: >= 4 } ? applied : null;
            }, TimeSpan.FromSeconds(90), $"four readings applied by {actuator} through the external broker", actuator);
            Assert.True(readings.Select(d => d.Sender).Distinct().Count() >= 2, $"{actuator}: readings of at least two devices");
        }

        // The dashboard's audit command reaches the external broker too (as 'auditor', with the external CA).
        var audit = await fixture.App.ResourceCommands.ExecuteCommandAsync("secure-broker", SmartHome.AppHost.BrokerAuditCommand.Name);
        Assert.True(audit.Success, audit.Message);
        Assert.StartsWith("1 finding(s): no-login-throttling (low)", audit.Message, StringComparison.Ordinal);
        var report = new Uri(audit.Message!.Split("Report: ")[1].Trim()).LocalPath;
        foreach (var extension in new[] { ".md", ".json", ".sarif" })
        {
            File.Delete(Path.ChangeExtension(report, extension));
        }
    }
}
