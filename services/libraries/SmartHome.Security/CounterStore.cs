using System.Globalization;
using System.Text;

namespace SmartHome.Security;

/// <summary>
/// Sender-side counter persistence. Counters are reserved in blocks: the store durably records the end of
/// the reserved block before the sender uses any counter in it, so a restarted sender resumes above every
/// counter it may have used, with one small write + fsync per block instead of per message.
/// </summary>
public abstract class CounterStore
{
    /// <summary>Default block size.</summary>
    public const int DefaultBlockSize = 1000;

    /// <summary>
    /// Reserves <paramref name="blockSize"/> counters for <paramref name="senderId"/> and returns the first one;
    /// the sender may use [first, first + blockSize). Counters start at 1.
    /// </summary>
    public abstract ulong ReserveBlock(string senderId, int blockSize);

    /// <summary>Forgets nothing but lives only as long as the process (tests, benchmarks).</summary>
    public static CounterStore InMemory() => new InMemoryCounterStore();

    /// <summary>One small file per sender, <c>{directory}/{senderId}.counter</c>, holding the next unreserved counter.</summary>
    public static CounterStore InDirectory(string directory) => new FileCounterStore(directory);
}

internal sealed class InMemoryCounterStore : CounterStore
{
    private readonly Dictionary<string, ulong> _next = new(StringComparer.Ordinal);

    public override ulong ReserveBlock(string senderId, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        lock (_next)
        {
            ulong first = _next.TryGetValue(senderId, out ulong n) ? n : 1;
            _next[senderId] = first + (ulong)blockSize;
            return first;
        }
    }
}

/// <summary>
/// Write-temp + fsync + rename: the file always holds either the old or the new reservation, never a torn one.
/// </summary>
internal sealed class FileCounterStore(string directory) : CounterStore
{
    private readonly object _lock = new();

    public string PathFor(string senderId) => Path.Combine(directory, senderId + ".counter");

    public override ulong ReserveBlock(string senderId, int blockSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        DeviceIds.Require(senderId, nameof(senderId));
        lock (_lock)
        {
            Directory.CreateDirectory(directory);
            string path = PathFor(senderId);
            ulong first = 1;
            if (File.Exists(path))
            {
                string text = File.ReadAllText(path).Trim();
                if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out first) || first == 0)
                {
                    throw new KeyMaterialException(path, $"Counter state file '{path}' is corrupt; a sender must never reuse a counter, so fix or delete it deliberately.");
                }
            }
            ulong next = checked(first + (ulong)blockSize);
            string tmp = path + ".tmp";
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                fs.Write(Encoding.ASCII.GetBytes(next.ToString(CultureInfo.InvariantCulture) + "\n"));
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
            return first;
        }
    }
}
