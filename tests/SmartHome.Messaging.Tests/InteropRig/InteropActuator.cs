using System.Buffers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using SmartHome.Actuator;
using SmartHome.Contracts;
using SmartHome.Messaging.Secure;
using SmartHome.Security;

namespace SmartHome.Messaging.Tests.InteropRig;

/// <summary>
/// The REAL actuator path a third-party sender's messages are judged by, as the actuator's Program.cs wires it: a keys
/// folder in the layout KeyGen writes (<see cref="KeyPaths"/>) made of the committed test keys, the device registry,
/// <see cref="ProtectionFactory.ForActuator"/> for the configured suite, <see cref="ReadingProcessor"/>, <see cref="HomeState"/>
/// and <see cref="DecisionLog"/>. Disposing it deletes the folder.
/// </summary>
public sealed class InteropActuator : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "smarthome-node-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly IMessageProtection _protection;
    private readonly ReadingProcessor _processor;

    /// <param name="suite">The deployment's <c>Security:Suite</c>.</param>
    /// <param name="devices">The registered devices (each with the committed test keys of every suite) and their profiles.</param>
    public InteropActuator(CryptoSuite suite, IReadOnlyDictionary<string, DeviceProfile> devices)
    {
        var paths = new KeyPaths(Path.Combine(_root, "keys"));
        Directory.CreateDirectory(paths.ActuatorDirectory);
        Directory.CreateDirectory(paths.IdentityDirectory("actuator"));
        Directory.CreateDirectory(paths.DevicesDirectory);
        File.Copy(TestKey("actuator.rsa.key.pem"), paths.ActuatorPrivateKey);
        File.Copy(TestKey("actuator.rsa.pub.pem"), paths.ActuatorPublicKey);
        File.Copy(TestKey("actuator.x25519.key.pem"), paths.ActuatorAgreementPrivateKey);
        File.Copy(TestKey("actuator.x25519.pub.pem"), paths.ActuatorAgreementPublicKey);
        foreach (var id in devices.Keys)
        {
            File.Copy(TestKey(id + ".dsa.pub.pem"), paths.DevicePublicKey(id));
            File.Copy(TestKey(id + ".ed25519.pub.pem"), paths.DeviceSuitePublicKey(id));
        }
        new DeviceRegistry(devices).Write(paths.DeviceRegistry);

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Pipeline"] = "secure",
            [ProtectionFactory.SuiteKey] = suite.Name(),
            ["SmartHome:KeysDirectory"] = paths.Root,
            ["SmartHome:StateDirectory"] = Path.Combine(_root, "state"),
        }).Build();
        var registry = ProtectionFactory.LoadRegistry(configuration);
        _protection = ProtectionFactory.ForActuator("secure", configuration, registry);
        _processor = new ReadingProcessor(_protection, Home, new DeviceAuthorization(registry, TimeProvider.System), Log,
            TimeProvider.System, "secure", NullLogger<ReadingProcessor>.Instance);
    }

    public HomeState Home { get; } = new();

    public DecisionLog Log { get; } = new(100);

    /// <summary>A committed test key (tests/SmartHome.Security.Tests/vectors/keys, copied next to the tests).</summary>
    public static string TestKey(string name) => Path.Combine(AppContext.BaseDirectory, "vectors", "keys", name);

    /// <summary>Judges one message as the actuator does when the broker delivers it.</summary>
    public Decision Process(SealedMessage message) =>
        _processor.Process(message.Topic, new ReadOnlySequence<byte>(message.Bytes), null);

    public void Dispose()
    {
        (_protection as IDisposable)?.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}
