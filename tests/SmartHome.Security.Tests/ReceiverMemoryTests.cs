using Xunit.Abstractions;

namespace SmartHome.Security.Tests;

/// <summary>
/// Retained-memory measurements. GC.GetTotalMemory counts every thread's objects, so these run in a collection of their
/// own, after the parallel tests and alone: a test allocating beside them once pushed the per-sender figure over its bound.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    public const string Name = "memory measurements";
}

[Collection(MemoryMeasurementCollection.Name)]
public sealed class ReceiverMemoryTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("shsec-memory-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void FiveThousandSenders_BoundedMemory()
    {
        const int n = 5000;
        var keys = TestKeys.Shared;
        string path = Path.Combine(_dir, "fleet.bin");
        using var store = ReplayStore.OpenFile(path, capacity: n);
        var time = new ManualTime();
        using var rx = new EnvelopeReceiver(keys.ActuatorPrivate, [], store, new EnvelopeReceiverOptions { Time = time });
        var ids = Enumerable.Range(1, n).Select(i => $"fleet-{i:D4}").ToArray();
        long allocBefore = GC.GetAllocatedBytesForCurrentThread();
        long retainedBefore = GC.GetTotalMemory(forceFullCollection: true);
        foreach (string id in ids)
        {
            rx.AddSender(id, keys.DevicePublic); // same public key object: we measure the receiver's own state
        }
        double allocated = (GC.GetAllocatedBytesForCurrentThread() - allocBefore) / (double)n;
        double perSender = (GC.GetTotalMemory(forceFullCollection: true) - retainedBefore) / (double)n;
        output.WriteLine($"receiver replay/key state: {perSender:F0} managed bytes retained per sender ({allocated:F0} allocated incl. dictionary growth), + {MappedFileReplayStore.BytesPerSender} bytes of replay file; file {new FileInfo(path).Length} bytes");
        Assert.True(perSender < 600, $"{perSender} bytes per sender");
        Assert.Equal(n, rx.SenderCount);
        Assert.Equal(64 + 64L * n, new FileInfo(path).Length);

        // Traffic from a few of them works and lands in the file.
        using var s = new EnvelopeSender("fleet-4999", keys.DevicePrivate, keys.ActuatorPublic, time: time);
        SealResult r = s.Seal("smarthome/readings/fleet-4999", [1]);
        Assert.True(rx.Receive("smarthome/keys/fleet-4999", r.Announcement!.Message).IsAccepted);
        Assert.True(rx.Receive("smarthome/readings/fleet-4999", r.Message).IsAccepted);
        store.OpenSlot("fleet-4999", out ulong h);
        Assert.Equal(r.Counter, h);
    }
}
