using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace SmartHome.AppHost.Tests;

/// <summary>
/// The whole AppHost's model, built by its own Program with a fresh keys folder and the embedded broker (so no host tool is
/// needed), then inspected without starting anything: which resources, how they are wired, what they wait for.
/// </summary>
public sealed class AppHostModelTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private async Task<IDistributedApplicationTestingBuilder> BuildModelAsync(params string[] extra)
    {
        string[] args =
        [
            "--Broker:Mode=embedded",
            "--Pipelines:Insecure:BrokerPort=0",
            "--Pipelines:Secure:BrokerPort=0",
            $"--SmartHome:KeysDirectory={Path.Combine(_temp.Path, "keys")}",
            $"--SmartHome:LogDirectory={Path.Combine(_temp.Path, "logs")}",
            $"--SmartHome:StateDirectory={Path.Combine(_temp.Path, "state")}",
            .. extra,
        ];
        return await DistributedApplicationTestingBuilder.CreateAsync<Projects.SmartHome_AppHost>(args);
    }

    private static IResource Resource(IDistributedApplicationTestingBuilder builder, string name) =>
        Assert.Single(builder.Resources, r => r.Name == name);

    private static IEnumerable<(string Name, WaitType Type)> Waits(IResource resource) =>
        resource.Annotations.OfType<WaitAnnotation>().Select(w => (w.Resource.Name, w.WaitType));

    [Fact]
    public async Task Both_pipelines_run_a_broker_an_actuator_a_sensor_and_an_attacker()
    {
        await using var builder = await BuildModelAsync();

        foreach (var pipeline in new[] { "insecure", "secure" })
        {
            Assert.IsType<EmbeddedBrokerResource>(Resource(builder, $"{pipeline}-broker"));
            Assert.IsType<ProjectResource>(Resource(builder, $"{pipeline}-actuator"));
            Assert.IsType<ProjectResource>(Resource(builder, $"{pipeline}-sensor"));
            Assert.IsType<ProjectResource>(Resource(builder, $"{pipeline}-attacker"));
        }

        // Fresh keys folder: the key generator runs first.
        Assert.IsType<ProjectResource>(Resource(builder, "keygen"));
        Assert.IsType<ProjectResource>(Resource(builder, "timing-demo"));
    }

    [Fact]
    public async Task Only_the_secure_broker_has_passwords_acl_and_tls_and_it_waits_for_the_keys()
    {
        await using var builder = await BuildModelAsync();
        var secure = (IHostedMosquittoBroker)Resource(builder, "secure-broker");
        var insecure = (IHostedMosquittoBroker)Resource(builder, "insecure-broker");

        Assert.True(secure.UseTls);
        Assert.NotNull(secure.Settings.PasswordFile);
        Assert.NotNull(secure.Settings.AclText);
        Assert.NotNull(secure.Settings.HealthAccount);
        Assert.Contains(("keygen", WaitType.WaitForCompletion), Waits(secure));

        Assert.False(insecure.UseTls);
        Assert.Null(insecure.Settings.PasswordFile);
        Assert.Null(insecure.Settings.AclText);
        Assert.DoesNotContain(Waits(insecure), w => w.Name == "keygen");
        Assert.NotEqual(secure.Settings.Directory, insecure.Settings.Directory);
        Assert.NotEqual(secure.Settings.Port, insecure.Settings.Port);
    }

    [Theory]
    [InlineData("insecure")]
    [InlineData("secure")]
    public async Task Services_start_in_order_broker_then_actuator_then_sensor(string pipeline)
    {
        await using var builder = await BuildModelAsync();

        var actuator = Resource(builder, $"{pipeline}-actuator");
        var sensor = Resource(builder, $"{pipeline}-sensor");
        Assert.Contains(($"{pipeline}-broker", WaitType.WaitUntilHealthy), Waits(actuator));
        Assert.Contains(($"{pipeline}-broker", WaitType.WaitUntilHealthy), Waits(sensor));
        Assert.Contains(($"{pipeline}-actuator", WaitType.WaitUntilHealthy), Waits(sensor));
        Assert.Contains(("keygen", WaitType.WaitForCompletion), Waits(actuator));
    }

    [Theory]
    [InlineData("insecure")]
    [InlineData("secure")]
    public async Task Each_service_gets_its_pipeline_and_its_own_broker_and_a_health_endpoint(string pipeline)
    {
        await using var builder = await BuildModelAsync();

        foreach (var role in new[] { "actuator", "sensor" })
        {
            var service = (ProjectResource)Resource(builder, $"{pipeline}-{role}");
#pragma warning disable CS0618 // The evaluators for a model that is not running.
            var environment = await service.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
            var args = await service.GetArgumentValuesAsync(DistributedApplicationOperation.Publish);
#pragma warning restore CS0618
            Assert.Equal(["--Pipeline", pipeline], args[..2]);
            // In the manifest form the reference names the broker resource it points at.
            Assert.Contains($"{pipeline}-broker", environment["ConnectionStrings__broker"], StringComparison.Ordinal);
            Assert.Equal(Path.Combine(_temp.Path, "logs"), environment["SmartHome__LogDirectory"]);
            Assert.Contains(service.Annotations.OfType<EndpointAnnotation>(), e => e.UriScheme == "http");
            Assert.NotEmpty(service.Annotations.OfType<HealthCheckAnnotation>());
        }
    }

    [Theory]
    [InlineData(null, "seed")]
    [InlineData("modern", "modern")]
    [InlineData("session-signed", "session-signed")]
    public async Task The_secure_actuator_and_sensor_get_the_suite_and_only_the_suite_keys_it_needs(string? configured, string expected)
    {
        await using var builder = configured is null ? await BuildModelAsync() : await BuildModelAsync($"--Security:Suite={configured}");
        var keys = new SmartHome.Security.KeyPaths(Path.Combine(_temp.Path, "keys"));
#pragma warning disable CS0618 // The evaluators for a model that is not running.
        var actuator = await ((ProjectResource)Resource(builder, "secure-actuator")).GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
        var sensor = await ((ProjectResource)Resource(builder, "secure-sensor")).GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
#pragma warning restore CS0618
        Assert.Equal(expected, actuator["Security__Suite"]);
        Assert.Equal(expected, sensor["Security__Suite"]);
        if (expected == "seed")
        {
            // Seed needs none of the v2 suites' files (the registry KeyGen writes by default pins no device to one).
            Assert.DoesNotContain("Security__AgreementKey", actuator.Keys);
            Assert.DoesNotContain("Security__ActuatorAgreementPublicKey", sensor.Keys);
            // Acknowledgements stay v1/DSA: no Ed25519 acknowledgement key on either side.
            Assert.DoesNotContain("Security__AckSuiteSigningKey", actuator.Keys);
            Assert.DoesNotContain("Security__ActuatorAckSuitePublicKey", sensor.Keys);
            Assert.DoesNotContain(sensor.Keys, k => k.StartsWith("Security__SuiteSigningKeys__", StringComparison.Ordinal));
            Assert.Equal(keys.DevicePrivateKey("temp-living"), sensor["Security__SigningKeys__temp-living"]);
            Assert.Equal(keys.ActuatorPrivateKey, actuator["Security__DecryptionKey"]);
            Assert.Equal(keys.ActuatorSigningPrivateKey, actuator["Security__AckSigningKey"]);
            Assert.Equal(keys.ActuatorSigningPublicKey, sensor["Security__ActuatorSigningPublicKey"]);
        }
        else
        {
            Assert.Equal(keys.ActuatorAgreementPrivateKey, actuator["Security__AgreementKey"]);
            Assert.Equal(keys.ActuatorAgreementPublicKey, sensor["Security__ActuatorAgreementPublicKey"]);
            // v2 acknowledgements: the actuator's Ed25519 acknowledgement key, its public half to the sensor.
            Assert.Equal(keys.ActuatorAckSuitePrivateKey, actuator["Security__AckSuiteSigningKey"]);
            Assert.Equal(keys.ActuatorAckSuitePublicKey, sensor["Security__ActuatorAckSuitePublicKey"]);
            Assert.Equal(keys.DeviceSuitePrivateKey("temp-living"), sensor["Security__SuiteSigningKeys__temp-living"]);
            // No device seals in seed: no DSA device key, no RSA key.
            Assert.DoesNotContain(sensor.Keys, k => k.StartsWith("Security__SigningKeys__", StringComparison.Ordinal));
            Assert.DoesNotContain("Security__ActuatorPublicKey", sensor.Keys);
            // Nor does any device get acknowledged in seed: the actuator holds neither seed private key, the sensor no DSA
            // acknowledgement key.
            Assert.DoesNotContain("Security__DecryptionKey", actuator.Keys);
            Assert.DoesNotContain("Security__AckSigningKey", actuator.Keys);
            Assert.DoesNotContain("Security__ActuatorSigningPublicKey", sensor.Keys);
        }

        // Without pins the sensor follows the deployment's suite and is not given the registry.
        Assert.DoesNotContain("Security__DeviceRegistry", sensor.Keys);

        // Each process gets only its own identity's secrets: the sensor no X25519 private key, the actuator no device key.
        Assert.DoesNotContain(sensor.Values, v => v == keys.ActuatorAgreementPrivateKey);
        Assert.DoesNotContain(actuator.Values, v => SmartHome.Security.KeyMaterialGenerator.DefaultDevices.Any(d =>
            v.StartsWith(keys.IdentityDirectory(d) + Path.DirectorySeparatorChar, StringComparison.Ordinal)));
        Assert.DoesNotContain(sensor.Values, v => v == keys.ActuatorAckSuitePrivateKey);
    }

    [Fact]
    public async Task A_disabled_pipeline_has_no_resources()
    {
        await using var builder = await BuildModelAsync("--Pipelines:Insecure:Enabled=false");

        Assert.DoesNotContain(builder.Resources, r => r.Name.StartsWith("insecure-", StringComparison.Ordinal));
        Assert.Contains(builder.Resources, r => r.Name == "secure-broker");
    }

    [Fact]
    public async Task The_home_console_finds_every_home_service_by_discovery_holds_the_control_secret_and_waits_for_none()
    {
        await using var builder = await BuildModelAsync();
        var console = (ProjectResource)Resource(builder, "home-console");
#pragma warning disable CS0618 // The evaluators for a model that is not running.
        var environment = await console.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
#pragma warning restore CS0618

        foreach (var pipeline in new[] { "insecure", "secure" })
        {
            foreach (var role in new[] { "actuator", "sensor", "attacker" })
            {
                Assert.Contains($"services__{pipeline}-{role}__http__0", environment.Keys);
            }
        }

        Assert.Contains("SmartHome__ControlSecret", environment.Keys);
        // A stopped attacker (they wait for an explicit start) must not keep the console from starting.
        Assert.Empty(Waits(console));
        Assert.Contains(console.Annotations.OfType<EndpointAnnotation>(), e => e.UriScheme == "http");
        Assert.NotEmpty(console.Annotations.OfType<HealthCheckAnnotation>());
        // The dashboard shows its link, named.
        Assert.NotEmpty(console.Annotations.OfType<ResourceUrlsCallbackAnnotation>());
    }

    [Fact]
    public async Task The_home_console_shows_only_the_enabled_homes()
    {
        await using var builder = await BuildModelAsync("--Pipelines:Insecure:Enabled=false");
        var console = (ProjectResource)Resource(builder, "home-console");
#pragma warning disable CS0618 // The evaluators for a model that is not running.
        var environment = await console.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
#pragma warning restore CS0618

        Assert.Contains("services__secure-actuator__http__0", environment.Keys);
        Assert.DoesNotContain(environment.Keys, k => k.StartsWith("services__insecure-", StringComparison.Ordinal));
    }
}
