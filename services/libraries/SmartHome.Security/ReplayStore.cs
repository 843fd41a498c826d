using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Text;

namespace SmartHome.Security;

/// <summary>
/// Persists each sender's highest accepted counter so a restarted receiver does not reopen the replay window.
/// A sender gets a slot once (<see cref="OpenSlot"/>); every accept then stores one 8-byte value.
/// </summary>
public abstract class ReplayStore : IDisposable
{
    /// <summary>Returns a slot handle for <paramref name="senderId"/> and the highest counter stored for it (0 if none).</summary>
    public abstract int OpenSlot(string senderId, out ulong highest);

    /// <summary>Stores the new highest counter of a slot. Must be cheap: called on every accepted message.</summary>
    public abstract void Store(int slot, ulong highest);

    /// <summary>Forces stored values to stable storage (power-loss safety); optional, cheap to call rarely.</summary>
    public virtual void Flush()
    {
    }

    /// <summary>A store that forgets everything when the process exits (tests, benchmarks, demos of the restart attack).</summary>
    public static ReplayStore InMemory() => new InMemoryReplayStore();

    /// <summary>Opens or creates a memory-mapped replay file (see <see cref="MappedFileReplayStore"/>).</summary>
    public static ReplayStore OpenFile(string path, int capacity = MappedFileReplayStore.DefaultCapacity) =>
        new MappedFileReplayStore(path, capacity);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}

internal sealed class InMemoryReplayStore : ReplayStore
{
    private readonly Dictionary<string, int> _slots = new(StringComparer.Ordinal);
    private readonly List<ulong> _values = [];

    public override int OpenSlot(string senderId, out ulong highest)
    {
        lock (_slots)
        {
            if (!_slots.TryGetValue(senderId, out int slot))
            {
                slot = _values.Count;
                _values.Add(0);
                _slots.Add(senderId, slot);
            }
            highest = _values[slot];
            return slot;
        }
    }

    public override void Store(int slot, ulong highest)
    {
        lock (_slots)
        {
            _values[slot] = highest;
        }
    }
}

/// <summary>
/// Fixed-size slots in a memory-mapped file. Layout (little-endian):
/// header 64 bytes = magic "SHRPLY01" (8) | slot size u32 = 64 | capacity u32 | used slots u32 | zero padding;
/// slot i at 64 + 64*i = highest counter u64 (offset 0, 8-byte aligned) | id length u8 | id ASCII (≤ 48) | zero padding.
/// <para>
/// Why this is safe and cheap: every accept is a single aligned 8-byte store into the page cache
/// (no syscall, no fsync). An aligned 8-byte store cannot tear, and the page cache survives a crash of the
/// process, so after a process crash the file holds exactly the last committed counter of every sender.
/// A new slot is written completely (id, counter 0) before the used-slot count is published, so a crash
/// mid-allocation leaves the slot unused. Power loss can lose the stores made since the kernel last wrote the
/// pages back (≤ ~30 s on Linux defaults, or since the last <see cref="Flush"/>); replays of messages accepted in
/// that gap are then still bounded by the receiver's freshness window — see docs/PROTOCOL.md.
/// </para>
/// </summary>
public sealed unsafe class MappedFileReplayStore : ReplayStore
{
    public const int DefaultCapacity = 16384;
    private const int HeaderSize = 64;
    private const int SlotSize = 64;
    private static ReadOnlySpan<byte> Magic => "SHRPLY01"u8;

    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly int _capacity;
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly object _allocLock = new();
    private bool _disposed;

    public string Path { get; }

    public MappedFileReplayStore(string path, int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Path = path;
        string? dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }
        bool exists = File.Exists(path) && new FileInfo(path).Length > 0;
        if (exists)
        {
            long len = new FileInfo(path).Length;
            if (len < HeaderSize)
            {
                throw new KeyMaterialException(path, $"Replay state file '{path}' is corrupt (too short); delete it only if you accept reopening every replay window.");
            }
            byte[] head = new byte[HeaderSize];
            using (var fs = File.OpenRead(path))
            {
                fs.ReadExactly(head);
            }
            int storedCap = (int)BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(12));
            if (!head.AsSpan(0, 8).SequenceEqual(Magic) // ct-ok: file magic, not secret
                || BinaryPrimitives.ReadUInt32LittleEndian(head.AsSpan(8)) != SlotSize
                || storedCap < 1 || len != HeaderSize + (long)storedCap * SlotSize)
            {
                throw new KeyMaterialException(path, $"Replay state file '{path}' is corrupt (bad header); delete it only if you accept reopening every replay window.");
            }
            capacity = storedCap;
        }
        long size = HeaderSize + (long)capacity * SlotSize;
        var fsMap = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        if (!exists)
        {
            fsMap.SetLength(size);
        }
        _file = MemoryMappedFile.CreateFromFile(fsMap, null, size, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: false);
        _view = _file.CreateViewAccessor(0, size, MemoryMappedFileAccess.ReadWrite);
        byte* p = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
        _base = p + _view.PointerOffset;
        _capacity = capacity;
        var header = new Span<byte>(_base, HeaderSize);
        if (!exists)
        {
            Magic.CopyTo(header);
            BinaryPrimitives.WriteUInt32LittleEndian(header[8..], SlotSize);
            BinaryPrimitives.WriteUInt32LittleEndian(header[12..], (uint)capacity);
            BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 0);
        }
        int used = (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(header[16..]), (uint)capacity);
        for (int i = 0; i < used; i++)
        {
            var slot = new ReadOnlySpan<byte>(_base + HeaderSize + (long)i * SlotSize, SlotSize);
            int idLen = slot[8];
            if (idLen is 0 or > EnvelopeFormat.MaxSenderIdLength)
            {
                throw new KeyMaterialException(path, $"Replay state file '{path}' is corrupt (slot {i}); delete it only if you accept reopening every replay window.");
            }
            _index[Encoding.ASCII.GetString(slot.Slice(9, idLen))] = i;
        }
    }

    /// <summary>Slots in use (one per sender ever seen).</summary>
    public int UsedSlots
    {
        get
        {
            lock (_allocLock)
            {
                return _index.Count;
            }
        }
    }

    /// <summary>Bytes of file per sender.</summary>
    public static int BytesPerSender => SlotSize;

    public override int OpenSlot(string senderId, out ulong highest)
    {
        DeviceIds.Require(senderId, nameof(senderId));
        lock (_allocLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_index.TryGetValue(senderId, out int slot))
            {
                slot = _index.Count;
                if (slot >= _capacity)
                {
                    throw new InvalidOperationException($"Replay state file '{Path}' is full ({_capacity} senders); create it with a larger capacity.");
                }
                var s = new Span<byte>(_base + HeaderSize + (long)slot * SlotSize, SlotSize);
                s.Clear();
                s[8] = (byte)senderId.Length;
                Encoding.ASCII.GetBytes(senderId, s[9..]);
                // Publish the slot only after it is complete (aligned 4-byte store).
                Volatile.Write(ref *(uint*)(_base + 16), (uint)(slot + 1));
                _index.Add(senderId, slot);
            }
            highest = Load(slot);
            return slot;
        }
    }

    private ulong Load(int slot)
    {
        ulong raw = Volatile.Read(ref *(ulong*)(_base + HeaderSize + (long)slot * SlotSize));
        return BitConverter.IsLittleEndian ? raw : BinaryPrimitives.ReverseEndianness(raw);
    }

    public override void Store(int slot, ulong highest)
    {
        if ((uint)slot >= (uint)_capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(slot));
        }
        ObjectDisposedException.ThrowIf(_disposed, this);
        ulong raw = BitConverter.IsLittleEndian ? highest : BinaryPrimitives.ReverseEndianness(highest);
        // One aligned 8-byte store: atomic with respect to a process crash.
        Volatile.Write(ref *(ulong*)(_base + HeaderSize + (long)slot * SlotSize), raw);
    }

    public override void Flush() => _view.Flush();

    protected override void Dispose(bool disposing)
    {
        lock (_allocLock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        if (disposing)
        {
            _view.Flush();
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _file.Dispose();
        }
    }
}
