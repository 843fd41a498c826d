using System.Security.Cryptography;
using SharpFuzz;
using SmartHome.Security;

// Fuzz target: one receiver with fixed test keys and a frozen clock. Input byte 0 picks the topic, the rest is the wire message.
//   SmartHome.Security.Fuzz --make-corpus DIR   writes valid seed messages to DIR (run BEFORE instrumenting)
//   SmartHome.Security.Fuzz --repro FILE        runs one input in-process (crash triage)
//   SmartHome.Security.Fuzz                     runs under afl-fuzz (SharpFuzz out-of-process mode)
string keyDir = Path.Combine(AppContext.BaseDirectory, "keys");
DateTimeOffset frozen = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
var time = new FrozenTime(frozen);
using RSA actuator = RSA.Create();
actuator.ImportFromPem(File.ReadAllText(Path.Combine(keyDir, "actuator.rsa.key.pem")));
using DSA devicePub = DSA.Create();
devicePub.ImportFromPem(File.ReadAllText(Path.Combine(keyDir, "temp-living.dsa.pub.pem")));
using DSA insiderPub = DSA.Create();
insiderPub.ImportFromPem(File.ReadAllText(Path.Combine(keyDir, "plug-garage.dsa.pub.pem")));
string[] topics = ["smarthome/readings/temp-living", "smarthome/keys/temp-living", "smarthome/readings/plug-garage", "smarthome/keys/plug-garage", "x"];

if (args is ["--make-corpus", string dir])
{
    Directory.CreateDirectory(dir);
    using DSA devicePriv = DSA.Create();
    devicePriv.ImportFromPem(File.ReadAllText(Path.Combine(keyDir, "temp-living.dsa.key.pem")));
    using RSA actuatorPub = RSA.Create();
    actuatorPub.ImportFromPem(File.ReadAllText(Path.Combine(keyDir, "actuator.rsa.pub.pem")));
    using var sender = new EnvelopeSender("temp-living", devicePriv, actuatorPub, time: time);
    SealResult r = sender.Seal(topics[0], "{\"t\":21.5}"u8);
    File.WriteAllBytes(Path.Combine(dir, "announcement"), [1, .. r.Announcement!.Message]);
    File.WriteAllBytes(Path.Combine(dir, "data"), [0, .. r.Message]);
    File.WriteAllBytes(Path.Combine(dir, "short"), [0, 1, 2, 3]);
    // The harness pre-accepts this announcement at start-up so the data path (signature, GCM) is reachable.
    File.WriteAllBytes(Path.Combine(AppContext.BaseDirectory, "announcement.bin"), r.Announcement.Message);
    Console.WriteLine($"wrote 3 seeds to {dir}");
    return;
}

// Instrumented code must not run before SharpFuzz has mapped AFL's coverage memory, so everything that
// touches SmartHome.Security is built lazily inside the first fuzz callback.
Action<byte[]>? one = null;
Action<byte[]> Build()
{
    var store = ReplayStore.InMemory();
    var receiver = new EnvelopeReceiver(actuator, [new("temp-living", devicePub), new("plug-garage", insiderPub)], store,
        new EnvelopeReceiverOptions { Time = time });
    string preload = Path.Combine(AppContext.BaseDirectory, "announcement.bin");
    if (File.Exists(preload))
    {
        ReceiveResult pre = receiver.Receive(topics[1], File.ReadAllBytes(preload));
        if (pre.Outcome != ReceiveOutcome.KeyAccepted)
        {
            throw new InvalidOperationException("announcement.bin not accepted: " + pre);
        }
    }
    return input =>
    {
        if (input.Length == 0)
        {
            return;
        }
        string topic = topics[input[0] % topics.Length];
        ReceiveResult result = receiver.Receive(topic, input.AsSpan(1));
        // Only the exact seed data message can be accepted (once); anything else accepted would be a forgery.
        if (result.Outcome == ReceiveOutcome.Data && (result.Counter != 2 || result.SenderId != "temp-living"))
        {
            throw new InvalidOperationException("forged data message accepted");
        }
    };
}

if (args is ["--repro", string file])
{
    Build()(File.ReadAllBytes(file));
    Console.WriteLine("no crash");
    return;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var ms = new MemoryStream();
    stream.CopyTo(ms);
    one ??= Build();
    one(ms.ToArray());
});

internal sealed class FrozenTime(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
