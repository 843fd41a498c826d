using SmartHome.Contracts;

namespace SmartHome.Report.Flood;

/// <summary>
/// Applied decisions read from the actuator's log while the flood runs (paged with <c>?verdict=applied</c>, so the
/// rejected forgeries are never transferred). Keeps the unlabelled ones by message id (the legit readings are among
/// them) and only counts the ones labelled with an attempt id. Thread-safe.
/// </summary>
public sealed class AppliedDecisionTracker(long after)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Decision> _unlabelled = new(StringComparer.Ordinal);
    private long _after = after;
    private long _labelled;
    private long _control;

    /// <summary>Every decision up to this sequence number has been seen.</summary>
    public long After
    {
        get
        {
            lock (_gate)
            {
                return _after;
            }
        }
    }

    /// <summary>Applied decisions carrying an attacker's attempt id (the flood labels every message).</summary>
    public long Labelled
    {
        get
        {
            lock (_gate)
            {
                return _labelled;
            }
        }
    }

    /// <summary>Applied decisions without a message id nor an attempt id: the legit sensor's session-key announcements.</summary>
    public long Control
    {
        get
        {
            lock (_gate)
            {
                return _control;
            }
        }
    }

    public void Add(IEnumerable<Decision> page)
    {
        ArgumentNullException.ThrowIfNull(page);
        lock (_gate)
        {
            foreach (var d in page)
            {
                if (d.Seq <= _after)
                {
                    continue;
                }

                _after = d.Seq;
                if (d.Verdict != "applied")
                {
                    continue;
                }

                if (d.AttemptId is not null)
                {
                    _labelled++;
                }
                else if (d.MessageId is null)
                {
                    _control++;
                }
                else
                {
                    _unlabelled.TryAdd(d.MessageId, d);
                }
            }
        }
    }

    /// <summary>After a page that was not full, every decision up to the total read before it has been seen.</summary>
    public void AdvanceTo(long seq)
    {
        lock (_gate)
        {
            _after = Math.Max(_after, seq);
        }
    }

    public Decision? Applied(string messageId)
    {
        lock (_gate)
        {
            return _unlabelled.GetValueOrDefault(messageId);
        }
    }

    public int CountApplied(IEnumerable<string> messageIds)
    {
        ArgumentNullException.ThrowIfNull(messageIds);
        lock (_gate)
        {
            return messageIds.Count(_unlabelled.ContainsKey);
        }
    }

    /// <summary>Unlabelled applied message ids that are in neither set: readings nobody here asked for.</summary>
    public long CountUnknown(IReadOnlySet<string> legit, IReadOnlySet<string> captures)
    {
        ArgumentNullException.ThrowIfNull(legit);
        ArgumentNullException.ThrowIfNull(captures);
        lock (_gate)
        {
            return _unlabelled.Keys.Count(id => !legit.Contains(id) && !captures.Contains(id));
        }
    }
}
