using System.Globalization;
using System.Text;
using SmartHome.Messaging;

namespace SmartHome.Actuator;

/// <summary>What <see cref="AppliedJournal.Check"/> knows about a reading.</summary>
public enum AppliedStatus
{
    /// <summary>Never applied (as far as the journal remembers, and newer than everything it forgot).</summary>
    New,

    /// <summary>Applied before: a second copy (a retransmission after a lost acknowledgement, a broker redelivery).</summary>
    Applied,

    /// <summary>Older than a reading the journal already forgot: it cannot tell, so it must not apply it.</summary>
    Expired,
}

/// <summary>
/// The actuator's durable record of applied readings, so a reading is applied at most once, across restarts too.
/// One line per application is appended (<c>A sender messageId sentAtMicros flagged</c>) before the home's rules run;
/// <see cref="Flush"/> makes the lines durable (fsync) and runs before any acknowledgement is published, so an
/// acknowledged reading is on disk. Per sender the newest <see cref="PerSenderCapacity"/> ids are remembered; the
/// oldest are forgotten, and the sender's floor rises to the newest <c>sentAtMicros</c> forgotten: a reading at or below
/// the floor that the journal does not know is <see cref="AppliedStatus.Expired"/> (refused and reported, never applied
/// twice). The file is rewritten from what is remembered when it grows past four times that. Thread-safe: the fsync
/// runs outside the lock that <see cref="Record"/> takes, so a reading being judged never waits for the acknowledgement
/// publisher's fsync of the readings before it.
/// </summary>
public sealed class AppliedJournal : IDisposable
{
    public const int DefaultPerSenderCapacity = 16_384;

    private readonly string? _path;
    private readonly Dictionary<string, SenderRecord> _senders = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly Lock _syncGate = new();
    private readonly Action<FileStream> _makeDurable;
    private FileStream? _file;
    private long _lines;
    private bool _dirty;

    private AppliedJournal(string? path, int perSenderCapacity, Action<FileStream>? makeDurable)
    {
        _path = path;
        PerSenderCapacity = perSenderCapacity;
        _makeDurable = makeDurable ?? (file => file.Flush(flushToDisk: true));
    }

    public int PerSenderCapacity { get; }

    /// <summary>The journal file; null for <see cref="InMemory"/>.</summary>
    public string? Path => _path;

    /// <summary>A journal that forgets everything with the process (unit tests of the rules).</summary>
    public static AppliedJournal InMemory(int perSenderCapacity = DefaultPerSenderCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(perSenderCapacity, 1);
        return new AppliedJournal(null, perSenderCapacity, null);
    }

    /// <summary>Opens (or creates) the journal at <paramref name="path"/> and loads what it remembers; a torn last line is dropped.</summary>
    public static AppliedJournal Open(string path, int perSenderCapacity = DefaultPerSenderCapacity) => Open(path, perSenderCapacity, null);

    /// <param name="path">The journal file.</param>
    /// <param name="perSenderCapacity">Applied ids remembered per sender.</param>
    /// <param name="makeDurable">How <see cref="Flush"/> makes the written lines durable; null: fsync (tests pass a slow one).</param>
    internal static AppliedJournal Open(string path, int perSenderCapacity, Action<FileStream>? makeDurable)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(perSenderCapacity, 1);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var journal = new AppliedJournal(path, perSenderCapacity, makeDurable);
        long validLength = 0;
        if (File.Exists(path))
        {
            foreach (var (line, end) in AppendOnlyLines.Read(path))
            {
                if (TryParse(line, out var sender, out var id, out var sentAt, out var flagged, out var floor))
                {
                    journal.Remember(sender, id, sentAt, flagged, floor);
                    journal._lines++;
                }

                validLength = end;
            }
        }

        // Unbuffered: every line is a write(2) when Record returns, and the fsync in Flush can run beside later writes.
        journal._file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 0);
        journal._file.SetLength(validLength);
        journal._file.Seek(validLength, SeekOrigin.Begin);
        return journal;
    }

    /// <summary>Remembered applied ids over all senders.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _senders.Values.Sum(s => s.Ids.Count);
            }
        }
    }

    /// <summary>
    /// Whether <paramref name="messageId"/> of <paramref name="sender"/> was applied; <paramref name="appliedWasFlagged"/>
    /// says whether the applied copy was flagged as a retransmission or redelivery.
    /// </summary>
    public AppliedStatus Check(string sender, string messageId, long sentAtMicros, out bool appliedWasFlagged)
    {
        lock (_gate)
        {
            appliedWasFlagged = false;
            if (!_senders.TryGetValue(sender, out var record))
            {
                return AppliedStatus.New;
            }

            if (record.Ids.TryGetValue(messageId, out appliedWasFlagged))
            {
                return AppliedStatus.Applied;
            }

            return sentAtMicros <= record.Floor ? AppliedStatus.Expired : AppliedStatus.New;
        }
    }

    /// <summary>Appends one application (written to the file before it returns; durable after <see cref="Flush"/>).</summary>
    public void Record(string sender, string messageId, long sentAtMicros, bool flagged)
    {
        lock (_gate)
        {
            var floorBefore = _senders.TryGetValue(sender, out var r) ? r.Floor : long.MinValue;
            Remember(sender, messageId, sentAtMicros, flagged, null);
            if (_file is null)
            {
                return;
            }

            _file.Write(Line(sender, messageId, sentAtMicros, flagged));
            _lines++;
            if (_senders[sender].Floor != floorBefore)
            {
                // The floor is a fact the journal must keep when it forgets: written before the forgotten line could be compacted away.
                _file.Write(FloorLine(sender, _senders[sender].Floor));
                _lines++;
            }

            _dirty = true;
            if (_lines > 4L * Math.Max(1024, _senders.Values.Sum(s => s.Ids.Count + 1)))
            {
                Compact();
            }
        }
    }

    /// <summary>
    /// Makes every application recorded before the call durable (fsync); cheap when nothing changed. One fsync at a time,
    /// outside the lock <see cref="Record"/> takes: readings recorded meanwhile are written beside it and made durable by
    /// the next call.
    /// </summary>
    public void Flush()
    {
        lock (_syncGate)
        {
            FileStream file;
            lock (_gate)
            {
                if (!_dirty || _file is null)
                {
                    return;
                }

                file = _file;
                _dirty = false;
            }

            try
            {
                _makeDurable(file);
            }
            catch (ObjectDisposedException)
            {
                // Compacted or disposed meanwhile: both fsync what this file held (Compact the rewritten file, Dispose this one).
            }
        }
    }

    /// <summary>
    /// Every application recorded in the journal at <paramref name="path"/>: message id → number of lines (a test's count of
    /// applications; compaction folds repeats into one, so count on a journal that did not compact).
    /// </summary>
    public static Dictionary<string, int> ReadApplications(string path)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        if (!File.Exists(path))
        {
            return counts;
        }

        foreach (var (line, _) in AppendOnlyLines.Read(path))
        {
            if (TryParse(line, out _, out var id, out _, out _, out var floor) && floor is null)
            {
                counts[id] = counts.GetValueOrDefault(id) + 1;
            }
        }

        return counts;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file?.Flush(flushToDisk: true);
            _file?.Dispose();
            _file = null;
        }
    }

    private void Remember(string sender, string id, long sentAt, bool flagged, long? floor)
    {
        if (!_senders.TryGetValue(sender, out var record))
        {
            record = new SenderRecord();
            _senders[sender] = record;
        }

        if (floor is { } f)
        {
            record.Floor = Math.Max(record.Floor, f);
            return;
        }

        if (record.Ids.ContainsKey(id))
        {
            record.Ids[id] = record.Ids[id] || flagged;
            return;
        }

        record.Ids[id] = flagged;
        record.Order.Enqueue((id, sentAt));
        while (record.Order.Count > PerSenderCapacity)
        {
            var (old, oldSentAt) = record.Order.Dequeue();
            record.Ids.Remove(old);
            record.Floor = Math.Max(record.Floor, oldSentAt);
        }
    }

    /// <summary>Rewrites the file from what is remembered (temp, fsync, rename), then appends to the new file.</summary>
    private void Compact()
    {
        var temporary = _path! + ".tmp";
        using (var output = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            _lines = 0;
            foreach (var (sender, record) in _senders)
            {
                if (record.Floor != long.MinValue)
                {
                    output.Write(FloorLine(sender, record.Floor));
                    _lines++;
                }

                foreach (var (id, sentAt) in record.Order)
                {
                    output.Write(Line(sender, id, sentAt, record.Ids[id]));
                    _lines++;
                }
            }

            output.Flush(flushToDisk: true);
        }

        _file!.Dispose();
        File.Move(temporary, _path!, overwrite: true);
        _file = new FileStream(_path!, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
        _dirty = false;
    }

    private static byte[] Line(string sender, string id, long sentAt, bool flagged) =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"A {sender} {id} {sentAt} {(flagged ? 1 : 0)}\n"));

    private static byte[] FloorLine(string sender, long floor) =>
        Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"F {sender} {floor}\n"));

    private static bool TryParse(string line, out string sender, out string id, out long sentAt, out bool flagged, out long? floor)
    {
        sender = id = string.Empty;
        sentAt = 0;
        flagged = false;
        floor = null;
        var parts = line.Split(' ');
        if (parts is ["F", var s, var f] && long.TryParse(f, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            sender = s;
            floor = value;
            return true;
        }

        if (parts is ["A", var s2, var i, var t, var g] && long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out sentAt)
            && g is "0" or "1")
        {
            sender = s2;
            id = i;
            flagged = g == "1";
            return true;
        }

        return false;
    }

    private sealed class SenderRecord
    {
        public Dictionary<string, bool> Ids { get; } = new(StringComparer.Ordinal);

        public Queue<(string Id, long SentAt)> Order { get; } = new();

        public long Floor { get; set; } = long.MinValue;
    }
}
