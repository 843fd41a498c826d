using SharpFuzz;
using SmartHome.Security;

// Fuzz target: the actuator's SuiteGate over the seed and v2 receivers (SuiteGateRig: fixed test keys, frozen clock). Input
// byte 0 picks the topic, the rest is the wire message.
//   SmartHome.Security.Fuzz --make-corpus DIR   writes valid messages of every suite to DIR (run BEFORE instrumenting)
//   SmartHome.Security.Fuzz --repro FILE        runs one input in-process (crash triage)
//   SmartHome.Security.Fuzz --mutate SECONDS [--seed N]   structured v2 fuzzing through the SuiteGate, in-process
//   SmartHome.Security.Fuzz                     runs under afl-fuzz (SharpFuzz out-of-process mode)
string keyDir = Path.Combine(AppContext.BaseDirectory, "keys");
DateTimeOffset frozen = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
string[] topics = ["smarthome/readings/temp-living", "smarthome/keys/temp-living", "smarthome/readings/plug-garage", "smarthome/keys/plug-garage", "x"];

if (args is ["--mutate", string secondsText, ..])
{
    // In-process structured fuzzing of the v2 format through the SuiteGate (SuiteMutationFuzz); no AFL needed.
    int seed = args is [_, _, "--seed", string seedText] ? int.Parse(seedText, System.Globalization.CultureInfo.InvariantCulture) : Environment.TickCount;
    using var rig = new SmartHome.Security.Fuzz.SuiteGateRig(keyDir, frozen, rotateAfterMessages: 5);
    var fuzz = new SmartHome.Security.Fuzz.SuiteMutationFuzz(rig, new Random(seed));
    fuzz.Run(TimeSpan.FromSeconds(double.Parse(secondsText, System.Globalization.CultureInfo.InvariantCulture)), mutantsPerMessage: 40);
    Console.WriteLine($"seed {seed}: {fuzz.Inputs} inputs, {fuzz.Findings.Count} findings");
    Console.WriteLine(string.Join(", ", fuzz.Outcomes.Select(o => $"{o.Key} {o.Value}")));
    fuzz.Findings.ForEach(Console.WriteLine);
    Environment.Exit(fuzz.Findings.Count == 0 ? 0 : 1);
}

if (args is ["--make-corpus", string dir])
{
    // One genuine announcement and data message per (device, suite) the gate allows: seed, modern and session-signed.
    Directory.CreateDirectory(dir);
    using var rig = new SmartHome.Security.Fuzz.SuiteGateRig(keyDir, frozen, rotateAfterMessages: 10_000);
    var announcements = new List<byte[]>();
    var data = new List<byte[]>();
    foreach (var sender in rig.Genuine)
    {
        string readings = TopicRules.Readings(sender.SenderId);
        SealResult r = sender.Seal(readings, "{\"t\":21.5}"u8);
        announcements.Add([(byte)Array.IndexOf(topics, r.Announcement!.Topic), .. r.Announcement.Message]);
        data.Add([(byte)Array.IndexOf(topics, readings), .. r.Message]);
    }
    for (int i = 0; i < data.Count; i++)
    {
        File.WriteAllBytes(Path.Combine(dir, $"announcement-{i}"), announcements[i]);
        File.WriteAllBytes(Path.Combine(dir, $"data-{i}"), data[i]);
    }
    File.WriteAllBytes(Path.Combine(dir, "short"), [0, 1, 2, 3]);
    // The harness pre-accepts these announcements at start-up so every suite's data path (signature, GCM) is reachable,
    // and accepts no data message but these.
    Inputs.Write(Path.Combine(AppContext.BaseDirectory, "announcements.bin"), announcements);
    Inputs.Write(Path.Combine(AppContext.BaseDirectory, "genuine-data.bin"), data);
    Console.WriteLine($"wrote {(2 * data.Count) + 1} seeds to {dir}");
    return;
}

// Instrumented code must not run before SharpFuzz has mapped AFL's coverage memory, so everything that
// touches SmartHome.Security is built lazily inside the first fuzz callback.
Action<byte[]>? one = null;
Action<byte[]> Build()
{
    var rig = new SmartHome.Security.Fuzz.SuiteGateRig(keyDir, frozen, rotateAfterMessages: 10_000);
    foreach (var announcement in Inputs.Read(Path.Combine(AppContext.BaseDirectory, "announcements.bin")))
    {
        ReceiveResult pre = rig.Gate.Receive(topics[announcement[0]], announcement.AsSpan(1));
        if (pre.Outcome != ReceiveOutcome.KeyAccepted)
        {
            throw new InvalidOperationException("announcements.bin not accepted: " + pre);
        }
    }
    var genuine = Inputs.Read(Path.Combine(AppContext.BaseDirectory, "genuine-data.bin"));
    return input =>
    {
        if (input.Length == 0)
        {
            return;
        }
        string topic = topics[input[0] % topics.Length];
        ReceiveResult result = rig.Gate.Receive(topic, input.AsSpan(1));
        // Only the exact genuine data messages can be accepted (once each); anything else accepted would be a forgery.
        if (result.Outcome is ReceiveOutcome.Data or ReceiveOutcome.KeyAccepted
            && !genuine.Any(g => g.AsSpan(1).SequenceEqual(input.AsSpan(1)) && topics[g[0]] == topic))
        {
            throw new InvalidOperationException("forged message accepted");
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


/// <summary>A list of messages in one file (2-byte big-endian length before each): the corpus's announcements and data.</summary>
internal static class Inputs
{
    public static void Write(string path, IEnumerable<byte[]> messages)
    {
        using var file = File.Create(path);
        foreach (var m in messages)
        {
            file.Write([(byte)(m.Length >> 8), (byte)m.Length]);
            file.Write(m);
        }
    }

    public static List<byte[]> Read(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }
        byte[] all = File.ReadAllBytes(path);
        var list = new List<byte[]>();
        for (int at = 0; at + 2 <= all.Length;)
        {
            int length = (all[at] << 8) | all[at + 1];
            list.Add(all[(at + 2)..(at + 2 + length)]);
            at += 2 + length;
        }
        return list;
    }
}
