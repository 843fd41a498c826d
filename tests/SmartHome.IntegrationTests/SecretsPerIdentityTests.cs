using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using SmartHome.Security;

namespace SmartHome.IntegrationTests;

/// <summary>
/// One secret per identity, checked on the AppHost's model without starting anything: every value each resource is
/// given (environment and arguments) that points into the keys folder is listed, and must be exactly the files of
/// that resource's identities plus the public material it uses.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SecretsPerIdentityTests : IAsyncLifetime
{
    private readonly string _work = Path.Combine(Path.GetTempPath(), "smarthome-secrets-" + Guid.NewGuid().ToString("N")[..8]);

    private KeyPaths Keys => new(Path.Combine(_work, "keys"));

    public Task InitializeAsync()
    {
        // Generated first, so the model has no keygen resource and every path can be checked on disk.
        KeyMaterialGenerator.Generate(Keys, new KeyGenOptions());
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }

    private Dictionary<string, HashSet<string>> Expected()
    {
        var k = Keys;
        string[] devices = ["temp-living", "door-front", "smoke-kitchen", "plug-garage"];
        return new Dictionary<string, HashSet<string>>(StringComparer.Ordinal)
        {
            // The insecure actuator authorizes readings with the same (public) device registry, and holds no secret.
            ["insecure-actuator"] = [k.DeviceRegistry],
            ["secure-sensor"] =
            [
                k.BrokerCaCertificate, k.ActuatorPublicKey, k.ActuatorSigningPublicKey,
                .. devices.Select(k.BrokerPassword), .. devices.Select(k.DevicePrivateKey),
            ],
            ["secure-actuator"] =
            [
                k.BrokerCaCertificate, k.BrokerPassword("actuator"), k.ActuatorPrivateKey, k.ActuatorSigningPrivateKey, k.DevicesDirectory,
                k.DeviceRegistry,
            ],
            ["secure-attacker"] =
            [
                k.BrokerCaCertificate, k.ActuatorPublicKey, k.BrokerPassword("monitor"), k.BrokerPassword("auditor"),
                // The modelled insider theft: plug-garage's login and signing key, and nothing of the other devices.
                k.BrokerPassword("plug-garage"), k.DevicePrivateKey("plug-garage"),
            ],
        };
    }

    private static readonly Dictionary<string, string[]> Identities = new(StringComparer.Ordinal)
    {
        ["insecure-actuator"] = [],
        ["secure-sensor"] = ["temp-living", "door-front", "smoke-kitchen", "plug-garage"],
        ["secure-actuator"] = ["actuator"],
        ["secure-attacker"] = ["monitor", "auditor", "plug-garage"],
    };

    [Fact]
    public async Task Each_resource_is_given_only_the_secrets_of_its_own_identities()
    {
        string[] args =
        [
            "--Pipelines:Insecure:BrokerPort=0",
            "--Pipelines:Secure:BrokerPort=0",
            $"--SmartHome:KeysDirectory={Keys.Root}",
            $"--SmartHome:LogDirectory={Path.Combine(_work, "logs")}",
            $"--SmartHome:StateDirectory={Path.Combine(_work, "state")}",
        ];
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.SmartHome_AppHost>(args);
        var expected = Expected();
        var passwords = Keys.ListBrokerAccounts().Select(a => File.ReadAllText(Keys.BrokerPassword(a)).Trim()).ToList();
        var resources = builder.Resources.Where(r => r is IResourceWithEnvironment or IResourceWithArgs).ToList();
        Assert.Contains(resources, r => r.Name == "secure-sensor");
        Assert.DoesNotContain(resources, r => r.Name == "keygen");

        // The evaluators Aspire.Hosting.Testing offers for a model that is not running (obsolete in favour of the
        // run-time ExecutionConfigurationBuilder, which needs a started app).
#pragma warning disable CS0618
        foreach (var resource in resources)
        {
            var given = new List<string>();
            if (resource is IResourceWithEnvironment withEnvironment)
            {
                var environment = await withEnvironment.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
                given.AddRange(environment.Select(e => $"{e.Key}={e.Value}"));
            }

            if (resource is IResourceWithArgs withArgs)
            {
                given.AddRange(await withArgs.GetArgumentValuesAsync(DistributedApplicationOperation.Publish));
            }

            // Never a secret itself, whatever the key.
            Assert.DoesNotContain(given, g => passwords.Any(p => g.Contains(p, StringComparison.Ordinal)));

            var paths = given.Select(g => g[(g.IndexOf('=', StringComparison.Ordinal) + 1)..])
                .Where(v => v == Keys.Root || v.StartsWith(Keys.Root + "/", StringComparison.Ordinal))
                .ToHashSet(StringComparer.Ordinal);
            var wanted = expected.GetValueOrDefault(resource.Name) ?? [];
            Assert.True(wanted.SetEquals(paths),
                $"{resource.Name} is given [{string.Join(", ", paths.Order())}] but its identities need exactly [{string.Join(", ", wanted.Order())}]");

            foreach (var path in paths)
            {
                Assert.True(File.Exists(path) || Directory.Exists(path), $"{resource.Name}: {path} does not exist");
                if (path.StartsWith(Keys.PrivateDirectory + "/", StringComparison.Ordinal))
                {
                    // A private file of one of its own identities, never another's.
                    var identity = Path.GetRelativePath(Keys.PrivateDirectory, path).Split('/')[0];
                    Assert.Contains(identity, Identities[resource.Name]);
                }
                else if (Directory.Exists(path))
                {
                    // A public folder must hold nothing private.
                    Assert.All(Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories),
                        f => Assert.True(f.EndsWith(".pub.pem", StringComparison.Ordinal) || f == Keys.DeviceRegistry, f));
                }
                else
                {
                    Assert.Equal(KeyFiles.PublicMode, File.GetUnixFileMode(path));
                }
            }
        }
#pragma warning restore CS0618
    }
}
