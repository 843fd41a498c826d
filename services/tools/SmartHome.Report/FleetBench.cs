using System.Diagnostics;
using System.Security.Cryptography;
using SmartHome.Security;

namespace SmartHome.Report;

/// <summary>
/// Fleet mode, in-process: N device identities, each with its own DSA-2048 key pair and counter, sealing to one
/// EnvelopeReceiver with a file-backed ReplayStore (the actuator's classes). Measures the receiver's replay and key
/// state and its verification throughput.
/// </summary>
public static class FleetBench
{
    public const int MessagesPerDevice = 5;

    public static async Task<FleetResult> RunAsync(int devices, string keyCacheDirectory, ConsoleProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var paths = new KeyPaths(Path.GetFullPath(keyCacheDirectory));
        var ids = Enumerable.Range(1, devices).Select(KeyMaterialGenerator.FleetId).ToList();
        var cached = ids.All(id => File.Exists(paths.DevicePrivateKey(id)) && File.Exists(paths.DevicePublicKey(id)))
            && File.Exists(paths.ActuatorPrivateKey);
        var keyGen = Stopwatch.StartNew();
        if (!cached)
        {
            progress.Line($"Generating {devices} DSA-2048 key pairs into {paths.Root} (cached for later runs; ~0.2 s per key per core)...");
            using var log = new ProgressWriter(progress, devices);
            using var done = new CancellationTokenSource();
            var watcher = Task.Run(async () =>
            {
                // KeyGen reports only at the end: count the key files as they appear.
                while (!done.IsCancellationRequested)
                {
                    var made = Directory.Exists(paths.DevicesDirectory)
                        ? Directory.EnumerateFiles(paths.DevicesDirectory, "fleet-*.dsa.pub.pem").Count()
                        : 0;
                    progress.Report("generating fleet keys", made / (double)devices, $"{made}/{devices}");
                    await Task.Delay(1000).ConfigureAwait(false);
                }
            });
            KeyMaterialGenerator.Generate(paths, new KeyGenOptions { Fleet = devices, Log = log });
            done.Cancel();
            await watcher.ConfigureAwait(false);
        }

        var keyGenSeconds = keyGen.Elapsed.TotalSeconds;
        progress.Line(cached ? $"Fleet keys from cache {paths.Root}." : $"Fleet keys generated in {keyGenSeconds:0} s.");

        using var rsa = KeyFiles.LoadRsa(paths.ActuatorPrivateKey, requirePrivate: true);
        var privateKeys = new DSA[devices];
        var publicKeys = new DSA[devices];
        for (var i = 0; i < devices; i++)
        {
            privateKeys[i] = KeyFiles.LoadDsa(paths.DevicePrivateKey(ids[i]), requirePrivate: true);
            publicKeys[i] = KeyFiles.LoadDsa(paths.DevicePublicKey(ids[i]), requirePrivate: false);
            progress.Report("loading fleet keys", (i + 1.0) / devices);
        }

        var rotation = new RotationPolicy { MaxMessages = int.MaxValue, MaxAge = TimeSpan.FromDays(1) };
        var heapBeforeSenders = GC.GetTotalMemory(forceFullCollection: true);
        var senders = ids.Select((id, i) => new EnvelopeSender(id, privateKeys[i], rsa, rotation)).ToArray();

        // Pre-seal every message so only receiving is timed (sealing is the devices' work, not the actuator's).
        var announcements = new KeyAnnouncement[devices];
        var messages = new byte[MessagesPerDevice][][];
        for (var round = 0; round < MessagesPerDevice; round++)
        {
            messages[round] = new byte[devices][];
        }

        var sealedCount = 0;
        Parallel.For(0, devices, i =>
        {
            var topic = TopicRules.Readings(ids[i]);
            for (var round = 0; round < MessagesPerDevice; round++)
            {
                var result = senders[i].Seal(topic, CryptoBench.Reading);
                if (result.Announcement is { } a)
                {
                    announcements[i] = a;
                }

                messages[round][i] = result.Message;
            }

            progress.Report("sealing fleet messages", Interlocked.Increment(ref sealedCount) / (double)devices);
        });
        var sendersBytes = GC.GetTotalMemory(forceFullCollection: true) - heapBeforeSenders;

        var replayDirectory = Path.Combine(Path.GetTempPath(), "smarthome-fleet-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(replayDirectory);
        var replayPath = Path.Combine(replayDirectory, "replay.bin");
        try
        {
            var directory = ids.Select((id, i) => new KeyValuePair<string, DSA>(id, publicKeys[i])).ToList();
            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);
            using var store = ReplayStore.OpenFile(replayPath, Math.Max(MappedFileReplayStore.DefaultCapacity, devices + 16));
            using var receiver = new EnvelopeReceiver(rsa, directory, store,
                new EnvelopeReceiverOptions { FreshnessWindow = TimeSpan.FromMinutes(30) });

            // Announcements: one per device, single thread (RSA unwrap is serialized in the receiver anyway).
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < devices; i++)
            {
                Require(receiver.Receive(announcements[i].Topic, announcements[i].Message));
            }

            var announcementsPerSecond = devices / sw.Elapsed.TotalSeconds;
            progress.Line($"Fleet: {devices} announcements accepted at {announcementsPerSecond:0}/s.");

            // Rounds 0-1 single-threaded; then every sender has a replay window and a session key.
            sw.Restart();
            for (var round = 0; round < 2; round++)
            {
                for (var i = 0; i < devices; i++)
                {
                    Require(receiver.Receive(TopicRules.Readings(ids[i]), messages[round][i]));
                }

                progress.Report("verifying (1 thread)", (round + 1) / 2.0);
            }

            var singlePerSecond = 2 * devices / sw.Elapsed.TotalSeconds;
            var heapAfter = GC.GetTotalMemory(forceFullCollection: true);
            store.Flush();

            // Remaining rounds in parallel across senders (messages of one sender stay in order).
            var threads = Environment.ProcessorCount;
            sw.Restart();
            Parallel.For(0, devices, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
            {
                var topic = TopicRules.Readings(ids[i]);
                for (var round = 2; round < MessagesPerDevice; round++)
                {
                    Require(receiver.Receive(topic, messages[round][i]));
                }
            });
            var parallelPerSecond = (MessagesPerDevice - 2) * devices / sw.Elapsed.TotalSeconds;
            progress.Line($"Fleet: verification {singlePerSecond:0} msg/s on 1 thread, {parallelPerSecond:0} msg/s on {threads} threads.");

            var replayBytes = heapAfter - heapBefore;
            return new FleetResult(devices,
                $"In-process (documented): {devices} EnvelopeSenders (own DSA-2048 key, own in-memory counter) seal {MessagesPerDevice} readings each; " +
                "one EnvelopeReceiver (the actuator's class) with a memory-mapped file ReplayStore verifies them. " +
                "Managed-heap figures are GC.GetTotalMemory(true) differences: receiver = sender directory entries, replay windows and AES-GCM session keys " +
                "after every sender's announcement and first readings; senders = sealing state without the pre-loaded keys.",
                cached ? 0 : keyGenSeconds, cached, devices * MessagesPerDevice, singlePerSecond, parallelPerSecond, threads,
                announcementsPerSecond, replayBytes, replayBytes / (double)devices, new FileInfo(replayPath).Length,
                MappedFileReplayStore.BytesPerSender, sendersBytes);
        }
        finally
        {
            foreach (var s in senders)
            {
                s.Dispose();
            }

            foreach (var k in privateKeys.Concat(publicKeys))
            {
                k.Dispose();
            }

            try
            {
                Directory.Delete(replayDirectory, recursive: true);
            }
            catch (IOException)
            {
                // temp is cleaned by the OS
            }
        }
    }

    private static void Require(ReceiveResult result)
    {
        if (!result.IsAccepted)
        {
            throw new InvalidOperationException($"Fleet message rejected: {result}");
        }
    }

    /// <summary>Turns KeyMaterialGenerator's log lines into progress.</summary>
    private sealed class ProgressWriter(ConsoleProgress progress, int total) : TextWriter
    {
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void WriteLine(string? value) => progress.Line("keygen: " + value + $" (fleet of {total})");
    }
}
