using System.Diagnostics;
using System.Globalization;
using System.Text;
using SmartHome.Messaging;

namespace SmartHome.Sensor;

/// <summary>One unacknowledged reading.</summary>
public sealed class OutboxEntry(string deviceId, string messageId, byte[] reading, long createdAtMs)
{
    public string DeviceId { get; } = deviceId;

    public string MessageId { get; } = messageId;

    /// <summary>The serialized reading, exactly as first sent (a retransmission re-seals the same bytes).</summary>
    public byte[] Reading { get; } = reading;

    public long CreatedAtMs { get; } = createdAtMs;

    /// <summary>Sends so far (first publish and retransmissions) in this process.</summary>
    public int Attempts { get; set; }

    public long DueAtMs { get; set; }

    /// <summary>Stopwatch timestamp when this process took or first re-sent it (for the acknowledgement round trip), 0 if neither yet.</summary>
    public long FirstSentTimestamp { get; set; }

    /// <summary>The outbox's number for this reading's latest send (its order among all sends), 0 before the first.</summary>
    public long LastSend { get; set; }
}

/// <summary>Why a reading left the outbox.</summary>
public enum OutboxRemoval
{
    AckedApplied,
    AckedRejected,
    DroppedFull,
    DroppedExpired,
}

/// <summary>A reading the outbox took: the readings dropped to make room, and when it is durable (fsynced).</summary>
public readonly record struct OutboxAdmission(IReadOnlyList<OutboxEntry> Dropped, Task Durable);

/// <summary>Thrown when <see cref="OutboxDropPolicy.RejectNew"/> refuses a reading because the outbox is full.</summary>
public sealed class OutboxFullException(string message) : Exception(message);

/// <summary>
/// The sensor's durable outbox: every reading is appended to an append-only file (<c>P</c> line) before it is published
/// and leaves it when the actuator acknowledges it or a bound drops it (<c>D</c> line). A restarted sensor reads the file
/// back and retransmits what is still pending. Lines end with a newline: a line a crash tore (no newline) or a power loss
/// garbled (no parse) is ignored. With <see cref="OutboxOptions.Fsync"/> each new reading is also fsynced, concurrent adds
/// sharing one fsync (group commit); the publisher runs that fsync beside the send (<see cref="Admit"/>). The file is rewritten with only the pending readings
/// (temp, fsync, rename) when it holds four times more lines than that. Thread-safe.
/// </summary>
public sealed class SensorOutbox : IDisposable
{
    private readonly OutboxOptions _options;
    private readonly string _path;
    private readonly TimeProvider _clock;
    private readonly Dictionary<string, OutboxEntry> _pending = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly PriorityQueue<string, long> _due = new();
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _syncGate = new(1, 1);
    private readonly AckProgress _progress;
    private long _sends;
    private FileStream _file;
    private long _lines;
    private long _written;
    private long _synced;

    public SensorOutbox(string path, OutboxOptions options, TimeProvider clock)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problems() is { Count: > 0 } problems)
        {
            throw new InvalidOperationException(string.Join(" ", problems));
        }

        _options = options;
        _path = path;
        _clock = clock;
        _progress = new AckProgress((long)(options.RetryInitialSeconds * 1000));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        long valid = Load();
        // Unbuffered: every line goes to the OS as it is written, and the group commit's fsync (outside the lock) never
        // races a managed buffer.
        _file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read, bufferSize: 0);
        _file.SetLength(valid);
        _file.Seek(valid, SeekOrigin.Begin);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>Readings loaded from the file at start (sent by an earlier run, never acknowledged).</summary>
    public int Recovered { get; private set; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    public string FilePath => _path;

    public OutboxOptions Options => _options;

    /// <summary>
    /// Takes responsibility for a new reading and waits until it is durable (<see cref="Admit"/>, then its fsync).
    /// Returns the readings dropped to make room (drop-oldest).
    /// </summary>
    public async Task<IReadOnlyList<OutboxEntry>> AddAsync(string deviceId, string messageId, byte[] reading)
    {
        var admission = Admit(deviceId, messageId, reading);
        await admission.Durable.ConfigureAwait(false);
        return admission.Dropped;
    }

    /// <summary>
    /// Takes responsibility for a new reading: written to the file before this returns, so a crash of this process can no
    /// longer lose it. <see cref="OutboxAdmission.Durable"/> completes when it is fsynced too (at once without
    /// <see cref="OutboxOptions.Fsync"/>); that wait holds no thread, and concurrent admissions share one fsync (group
    /// commit). Throws <see cref="OutboxFullException"/> when full under <see cref="OutboxDropPolicy.RejectNew"/>.
    /// </summary>
    public OutboxAdmission Admit(string deviceId, string messageId, byte[] reading)
    {
        var (dropped, position) = Append(deviceId, messageId, reading);
        // On the pool: an uncontended group commit would otherwise fsync on this thread before returning.
        return new OutboxAdmission(dropped, _options.Fsync ? Task.Run(() => SyncToAsync(position)) : Task.CompletedTask);
    }

    private (IReadOnlyList<OutboxEntry> Dropped, long Position) Append(string deviceId, string messageId, byte[] reading)
    {
        ArgumentNullException.ThrowIfNull(reading);
        List<OutboxEntry>? dropped = null;
        lock (_gate)
        {
            var now = NowMs();
            while (_pending.Count >= _options.MaxCount)
            {
                if (_options.DropPolicy == OutboxDropPolicy.RejectNew)
                {
                    throw new OutboxFullException($"The outbox holds {_options.MaxCount} unacknowledged readings (Outbox:MaxCount); reading {messageId} of {deviceId} is refused (Outbox:DropPolicy RejectNew).");
                }

                var oldest = OldestPending();
                Remove(oldest.MessageId, OutboxRemoval.DroppedFull);
                (dropped ??= []).Add(oldest);
            }

            // Admitted right before its first send: the send order starts here.
            var entry = new OutboxEntry(deviceId, messageId, reading, now)
            {
                DueAtMs = now + RetryDelayMs(0), FirstSentTimestamp = Stopwatch.GetTimestamp(), LastSend = ++_sends,
            };
            _pending[messageId] = entry;
            _order.Enqueue(messageId);
            _due.Enqueue(messageId, entry.DueAtMs);
            Append(string.Create(CultureInfo.InvariantCulture,
                $"P {deviceId} {messageId} {now} {Convert.ToBase64String(reading)}\n"));
            return (dropped ?? (IReadOnlyList<OutboxEntry>)[], _written);
        }
    }

    /// <summary>Notes the send of a pending reading (first or again); false if it is no longer pending.</summary>
    public bool MarkSent(string messageId)
    {
        lock (_gate)
        {
            if (!_pending.TryGetValue(messageId, out var entry))
            {
                return false;
            }

            entry.Attempts++;
            if (entry.FirstSentTimestamp == 0)
            {
                entry.FirstSentTimestamp = Stopwatch.GetTimestamp();
            }

            entry.DueAtMs = NowMs() + RetryDelayMs(entry.Attempts);
            _due.Enqueue(messageId, entry.DueAtMs);
            return true;
        }
    }

    /// <summary>
    /// Removes an acknowledged reading; returns it, or null if it was not pending (an old acknowledgement) or, when
    /// <paramref name="deviceId"/> is given, is not that device's (an acknowledgement on one device's topic never takes
    /// another device's reading).
    /// </summary>
    public OutboxEntry? Complete(string messageId, bool applied, string? deviceId = null)
    {
        lock (_gate)
        {
            if (deviceId is not null && (!_pending.TryGetValue(messageId, out var entry) || entry.DeviceId != deviceId))
            {
                return null;
            }

            var removed = Remove(messageId, applied ? OutboxRemoval.AckedApplied : OutboxRemoval.AckedRejected);
            if (removed is not null)
            {
                _progress.Acknowledged(removed.DeviceId, removed.LastSend, NowMs());
            }

            return removed;
        }
    }

    /// <summary>
    /// Pending readings due for a (re)transmission now, oldest due first, at most <paramref name="max"/>; readings older than
    /// <see cref="OutboxOptions.MaxAgeSeconds"/> are removed instead and returned in <paramref name="expired"/>. A reading past
    /// its time waits on while it is still queued behind its device's flowing acknowledgements (<see cref="AckProgress"/>):
    /// it is sent again once they stop for <see cref="OutboxOptions.RetryInitialSeconds"/>, or once a reading sent after it
    /// is acknowledged (then it was lost).
    /// </summary>
    public IReadOnlyList<OutboxEntry> TakeDue(int max, out IReadOnlyList<OutboxEntry> expired)
    {
        var due = new List<OutboxEntry>();
        var old = new List<OutboxEntry>();
        lock (_gate)
        {
            var now = NowMs();
            var maxAgeMs = (long)(_options.MaxAgeSeconds * 1000);
            while (due.Count < max && _due.TryPeek(out var id, out var at) && at <= now)
            {
                _due.Dequeue();
                if (!_pending.TryGetValue(id, out var entry) || entry.DueAtMs != at)
                {
                    continue; // acknowledged meanwhile, or rescheduled (a stale heap entry)
                }

                if (now - entry.CreatedAtMs > maxAgeMs)
                {
                    Remove(id, OutboxRemoval.DroppedExpired);
                    old.Add(entry);
                    continue;
                }

                if (_progress.StillQueued(entry, now, out var recheckAt))
                {
                    entry.DueAtMs = recheckAt;
                    _due.Enqueue(id, recheckAt);
                    continue;
                }

                // Held back until sent (MarkSent reschedules); if the send fails it comes due again shortly.
                entry.DueAtMs = now + RetryDelayMs(Math.Max(1, entry.Attempts));
                entry.LastSend = ++_sends;
                _due.Enqueue(id, entry.DueAtMs);
                due.Add(entry);
            }
        }

        expired = old;
        return due;
    }

    /// <summary>Snapshot of the pending readings (oldest first), for the sensor's <c>/outbox</c> endpoint and tests.</summary>
    public IReadOnlyList<OutboxEntry> Pending()
    {
        lock (_gate)
        {
            return [.. _order.Where(_pending.ContainsKey).Distinct().Select(id => _pending[id])];
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _file.Flush(flushToDisk: true);
            _file.Dispose();
        }

        _syncGate.Dispose();
    }

    /// <summary>
    /// Every reading the outbox file at <paramref name="path"/> ever took (P lines) and those that left it (D lines),
    /// message ids in order: what a test compares with the actuator's applied journal after a crash.
    /// </summary>
    public static (IReadOnlyList<string> Added, IReadOnlyDictionary<string, string> Removed) ReadHistory(string path)
    {
        var added = new List<string>();
        var removed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (line, _) in AppendOnlyLines.Read(path))
        {
            var parts = line.Split(' ');
            if (parts is ["P", _, var id, _, _])
            {
                added.Add(id);
            }
            else if (parts is ["D", var done, var why])
            {
                removed[done] = why;
            }
        }

        return (added, removed);
    }

    private long NowMs() => _clock.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Wait before send number <paramref name="attempts"/> + 1: initial × 2^(attempts − 1), capped, ±20 % jitter.</summary>
    private long RetryDelayMs(int attempts)
    {
        var seconds = Math.Min(_options.RetryMaxSeconds, _options.RetryInitialSeconds * Math.Pow(2, Math.Max(0, attempts - 1)));
        return (long)(seconds * 1000 * (0.8 + 0.4 * Random.Shared.NextDouble()));
    }

    private OutboxEntry OldestPending()
    {
        while (true)
        {
            var id = _order.Peek();
            if (_pending.TryGetValue(id, out var entry))
            {
                return entry;
            }

            _order.Dequeue();
        }
    }

    private OutboxEntry? Remove(string messageId, OutboxRemoval why)
    {
        if (!_pending.Remove(messageId, out var entry))
        {
            return null;
        }

        Append(string.Create(CultureInfo.InvariantCulture, $"D {messageId} {Name(why)}\n"));
        if (_lines > 4L * Math.Max(1024, _pending.Count))
        {
            Compact();
        }

        return entry;
    }

    public static string Name(OutboxRemoval why) => why switch
    {
        OutboxRemoval.AckedApplied => "applied",
        OutboxRemoval.AckedRejected => "rejected",
        OutboxRemoval.DroppedFull => "full",
        _ => "expired",
    };

    private void Append(string line)
    {
        var bytes = Encoding.ASCII.GetBytes(line);
        _file.Write(bytes);
        _written += bytes.Length;
        _lines++;
    }

    /// <summary>Group commit: one fsync covers every line written before it started; waiters queue without holding threads.</summary>
    private async Task SyncToAsync(long position)
    {
        if (Volatile.Read(ref _synced) >= position)
        {
            return;
        }

        await _syncGate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _synced) >= position)
            {
                return;
            }

            long target;
            FileStream file;
            lock (_gate)
            {
                target = _written;
                file = _file;
            }

            try
            {
                file.Flush(flushToDisk: true);
            }
            catch (ObjectDisposedException)
            {
                // compacted meanwhile: the new file was fsynced whole
            }

            Volatile.Write(ref _synced, target);
        }
        finally
        {
            _syncGate.Release();
        }
    }

    private void Compact()
    {
        var temporary = _path + ".tmp";
        using (var output = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            foreach (var entry in _order.Where(_pending.ContainsKey).Distinct().Select(id => _pending[id]))
            {
                output.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture,
                    $"P {entry.DeviceId} {entry.MessageId} {entry.CreatedAtMs} {Convert.ToBase64String(entry.Reading)}\n")));
            }

            output.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        _file.Dispose();
        File.Move(temporary, _path, overwrite: true);
        _file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
        _lines = _pending.Count;
        var rebuilt = _order.Where(_pending.ContainsKey).Distinct().ToList();
        _order.Clear();
        foreach (var id in rebuilt)
        {
            _order.Enqueue(id);
        }

        _written = _file.Length;
        Volatile.Write(ref _synced, _written);
    }

    private long Load()
    {
        long valid = 0;
        if (!File.Exists(_path))
        {
            return 0;
        }

        foreach (var (line, end) in AppendOnlyLines.Read(_path))
        {
            valid = end;
            _lines++;
            var parts = line.Split(' ');
            if (parts is ["P", var device, var id, var created, var base64]
                && Topics.IsValidDeviceId(device) && DeviceReading.IsValidMessageId(id)
                && long.TryParse(created, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var createdMs))
            {
                byte[] reading;
                try
                {
                    reading = Convert.FromBase64String(base64);
                }
                catch (FormatException)
                {
                    continue;
                }

                if (_pending.TryAdd(id, new OutboxEntry(device, id, reading, createdMs)))
                {
                    _order.Enqueue(id);
                }
            }
            else if (parts is ["D", var done, _])
            {
                _pending.Remove(done);
            }
        }

        // A restarted sensor sends what it still holds at once: the earlier run may have died before any of it went out.
        var now = NowMs();
        foreach (var entry in _pending.Values)
        {
            entry.DueAtMs = now;
            _due.Enqueue(entry.MessageId, now);
        }

        Recovered = _pending.Count;
        _written = valid;
        _synced = valid;
        return valid;
    }
}
