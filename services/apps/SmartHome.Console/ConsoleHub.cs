using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Threading.Channels;

namespace SmartHome.Console;

/// <summary>
/// Fans the console's events out to every open page, serialized once. Keeps what a page opened later needs to draw the
/// same picture: each home's latest event and link, the state of its broker, sensor and actuator, its recent decisions, the decision behind each home state's latest
/// change, and the last run's grid. Every page's stream ends when <paramref name="stopping"/> fires (the console is stopping),
/// so an open page does not hold the shutdown until its timeout.
/// </summary>
public sealed class ConsoleHub(CancellationToken stopping = default)
{
    /// <summary>Decision rows per home a newly opened page starts with.</summary>
    public const int RecentRows = 40;

    /// <summary>Events a slow page may lag behind before the oldest are dropped (it reconnects and gets the replay).</summary>
    public const int PageBuffer = 2_048;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly object _gate = new();
    private readonly List<Channel<SseItem<string>>> _pages = [];
    private readonly Dictionary<string, SseItem<string>> _latestHome = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SseItem<string>> _links = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Queue<(long Seq, SseItem<string> Item)>> _recent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (long Seq, SseItem<string> Item)> _changes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SseItem<string>> _cells = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SseItem<string>> _resources = new(StringComparer.Ordinal);
    private SseItem<string>? _runStarted;
    private SseItem<string>? _runFinished;

    public void PublishHome(HomeEvent update)
    {
        var item = Item(ConsoleEvents.Home, update);
        lock (_gate)
        {
            _latestHome[update.Pipeline] = item;
            if (update.Decision is { } decision)
            {
                var recent = Recent(update.Pipeline);
                recent.Enqueue((decision.Seq, item));
                while (recent.Count > RecentRows)
                {
                    recent.Dequeue();
                }

                // The effect names what changed ("door unlocked, siren on"): keep the cause of each actuator's latest change.
                if (decision.Verdict == "applied" && decision.Effect is { } effect && effect != "no change")
                {
                    foreach (var change in effect.Split(", "))
                    {
                        _changes[$"{update.Pipeline}/{Actuator(change)}"] = (decision.Seq, item);
                    }
                }
            }

            Broadcast(item);
        }
    }

    public void PublishLink(LinkEvent link)
    {
        var item = Item(ConsoleEvents.Link, link);
        lock (_gate)
        {
            _links[link.Pipeline] = item;
            Broadcast(item);
        }
    }

    public void PublishResource(ResourceEvent resource)
    {
        var item = Item(ConsoleEvents.Resource, resource);
        lock (_gate)
        {
            _resources[$"{resource.Pipeline}/{resource.Role}"] = item;
            Broadcast(item);
        }
    }

    public void PublishRun(RunEvent run)
    {
        var item = Item(ConsoleEvents.Run, run);
        lock (_gate)
        {
            if (run.Status == "started")
            {
                // The page draws the grid's tables from the run's start, so a page opened later needs that one too.
                _cells.Clear();
                _runStarted = item;
                _runFinished = null;
            }
            else
            {
                _runFinished = item;
            }

            Broadcast(item);
        }
    }

    public void PublishCell(CellEvent cell)
    {
        var item = Item(ConsoleEvents.Cell, cell);
        lock (_gate)
        {
            _cells[$"{cell.Pipeline}/{cell.Attack}/{cell.Level}"] = item;
            Broadcast(item);
        }
    }

    /// <summary>What a page sees: the replay (oldest first), then every event from now until it goes away.</summary>
    public async IAsyncEnumerable<SseItem<string>> SubscribeAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        cancellationToken = ending.Token;
        var page = Channel.CreateBounded<SseItem<string>>(new BoundedChannelOptions(PageBuffer)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        List<SseItem<string>> replay;
        lock (_gate)
        {
            replay = Replay();
            _pages.Add(page);
        }

        try
        {
            foreach (var item in replay)
            {
                yield return item;
            }

            while (true)
            {
                SseItem<string> next;
                try
                {
                    if (!await page.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false) || !page.Reader.TryRead(out next))
                    {
                        continue;
                    }
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }

                yield return next;
            }
        }
        finally
        {
            lock (_gate)
            {
                _pages.Remove(page);
            }
        }
    }

    public int PageCount
    {
        get
        {
            lock (_gate)
            {
                return _pages.Count;
            }
        }
    }

    /// <summary>The actuator a rule's effect is about ("door unlocked" → door), so a later change of it replaces the cause.</summary>
    public static string Actuator(string effect) => effect.Split(' ', 2)[0];

    private List<SseItem<string>> Replay()
    {
        var replay = new List<SseItem<string>>();
        replay.AddRange(_links.Values);
        replay.AddRange(_resources.Values);
        foreach (var pipeline in _latestHome.Keys)
        {
            // Causes and recent rows in the order they happened, then the latest state (which may be newer than both).
            var rows = Recent(pipeline).ToList();
            rows.AddRange(_changes.Where(c => c.Key.StartsWith(pipeline + "/", StringComparison.Ordinal)).Select(c => c.Value));
            replay.AddRange(rows.DistinctBy(r => r.Seq).OrderBy(r => r.Seq).Select(r => r.Item));
            replay.Add(_latestHome[pipeline]);
        }

        if (_runStarted is { } started)
        {
            replay.Add(started);
            replay.AddRange(_cells.Values);
        }

        if (_runFinished is { } finished)
        {
            replay.Add(finished);
        }

        return replay;
    }

    private Queue<(long Seq, SseItem<string> Item)> Recent(string pipeline)
    {
        if (!_recent.TryGetValue(pipeline, out var recent))
        {
            recent = new Queue<(long, SseItem<string>)>();
            _recent[pipeline] = recent;
        }

        return recent;
    }

    private void Broadcast(SseItem<string> item)
    {
        foreach (var page in _pages)
        {
            page.Writer.TryWrite(item);
        }
    }

    private static SseItem<string> Item<T>(string type, T data) => new(JsonSerializer.Serialize(data, Json), type);
}
