using System.Net.ServerSentEvents;
using SmartHome.Contracts;

namespace SmartHome.Console.Tests;

/// <summary>The fan-out to the open pages, and the picture a page opened later starts from.</summary>
public sealed class ConsoleHubTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly HomeSnapshot Unlocked = new(false, false, false, true, null, 1);

    private readonly ConsoleHub _hub = new();

    private static Decision Decision(long seq, string verdict, string? effect, string? attemptId = null) =>
        new(seq, $"m-{seq}", attemptId, "door-front", "smarthome/readings/door-front", "door", verdict, verdict == "rejected" ? "bad-signature" : null,
            1, 1, DateTimeOffset.UnixEpoch.AddSeconds(seq), effect);

    [Fact]
    public async Task Every_open_page_gets_each_event_as_it_happens()
    {
        using var cts = new CancellationTokenSource(Patience);
        await using var first = _hub.SubscribeAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        await using var second = _hub.SubscribeAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var firstNext = first.MoveNextAsync().AsTask();
        var secondNext = second.MoveNextAsync().AsTask();
        await WaitForPagesAsync(2, cts.Token);

        _hub.PublishLink(new LinkEvent("insecure", true, "live"));

        Assert.True(await firstNext);
        Assert.True(await secondNext);
        Assert.Equal(ConsoleEvents.Link, first.Current.EventType);
        Assert.Contains("\"connected\":true", second.Current.Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_opened_later_sees_each_pipeline_part_in_its_latest_state()
    {
        _hub.PublishResource(new ResourceEvent("insecure", "sensor", "Running", "Healthy"));
        _hub.PublishResource(new ResourceEvent("insecure", "sensor", "Exited", null));
        _hub.PublishResource(new ResourceEvent("secure", "broker", "Running", "Healthy"));

        var replay = await ReplayAsync();

        Assert.Equal([ConsoleEvents.Resource, ConsoleEvents.Resource], replay.Select(i => i.EventType));
        Assert.Contains(replay, i => i.Data.Contains("\"role\":\"sensor\"", StringComparison.Ordinal) && i.Data.Contains("\"state\":\"Exited\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_page_opened_later_sees_the_link_the_recent_rows_in_order_and_the_latest_state()
    {
        _hub.PublishLink(new LinkEvent("insecure", true, "live"));
        _hub.PublishHome(new HomeEvent("insecure", Decision(1, "applied", "door unlocked", "inject-1"), Unlocked, null, null, 0));
        _hub.PublishHome(new HomeEvent("insecure", Decision(2, "rejected", null), Unlocked, "signature", null, 0));

        var replay = await ReplayAsync();

        Assert.Equal([ConsoleEvents.Link, ConsoleEvents.Home, ConsoleEvents.Home, ConsoleEvents.Home], replay.Select(i => i.EventType));
        Assert.Contains("\"seq\":1", replay[1].Data, StringComparison.Ordinal);
        Assert.Contains("\"seq\":2", replay[2].Data, StringComparison.Ordinal);
        Assert.Contains("\"doorLocked\":false", replay[3].Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_decision_behind_a_state_survives_after_many_newer_rows()
    {
        _hub.PublishHome(new HomeEvent("insecure", Decision(1, "applied", "door unlocked", "inject-1"), Unlocked, null, null, 0));
        for (var seq = 2; seq < 2 + ConsoleHub.RecentRows + 5; seq++)
        {
            _hub.PublishHome(new HomeEvent("insecure", Decision(seq, "applied", "no change"), Unlocked, null, null, 0));
        }

        var replay = await ReplayAsync();

        // The page can still say why the door is unlocked: the first row replayed is the forged reading that did it.
        Assert.Contains("\"attemptId\":\"inject-1\"", replay[0].Data, StringComparison.Ordinal);
        Assert.Equal(ConsoleHub.RecentRows + 2, replay.Count);
    }

    [Fact]
    public async Task A_new_run_replaces_the_previous_grid()
    {
        _hub.PublishRun(new RunEvent(1, "started", "first", ["insecure"], ["inject"], ["outsider"], null));
        _hub.PublishCell(new CellEvent(1, "insecure", "inject", "outsider", "done", null, null));
        _hub.PublishRun(new RunEvent(2, "started", "second", ["secure"], ["tamper"], ["insider"], null));
        _hub.PublishCell(new CellEvent(2, "secure", "tamper", "insider", "running", null, null));

        var replay = await ReplayAsync();

        Assert.Equal([ConsoleEvents.Run, ConsoleEvents.Cell], replay.Select(i => i.EventType));
        Assert.Contains("\"runId\":2", replay[1].Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_opened_after_a_run_gets_its_start_its_cells_and_its_end_in_that_order()
    {
        _hub.PublishRun(new RunEvent(1, "started", "inject", ["insecure"], ["inject"], ["outsider"], null));
        _hub.PublishCell(new CellEvent(1, "insecure", "inject", "outsider", "done", null, null));
        _hub.PublishRun(new RunEvent(1, "finished", "inject", ["insecure"], [], ["outsider"], null));

        var replay = await ReplayAsync();

        Assert.Equal([ConsoleEvents.Run, ConsoleEvents.Cell, ConsoleEvents.Run], replay.Select(i => i.EventType));
        Assert.Contains("\"status\":\"started\"", replay[0].Data, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"finished\"", replay[2].Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_that_goes_away_is_forgotten()
    {
        using var cts = new CancellationTokenSource(Patience);
        var page = _hub.SubscribeAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var next = page.MoveNextAsync().AsTask();
        await WaitForPagesAsync(1, cts.Token);
        await cts.CancelAsync();
        Assert.False(await next);
        await page.DisposeAsync();
        Assert.Equal(0, _hub.PageCount);
    }

    [Fact]
    public async Task Stopping_the_console_ends_every_open_page()
    {
        using var stopping = new CancellationTokenSource();
        using var cts = new CancellationTokenSource(Patience);
        await using var page = new ConsoleHub(stopping.Token).SubscribeAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var next = page.MoveNextAsync().AsTask();
        await stopping.CancelAsync();
        Assert.False(await next);
    }

    [Theory]
    [InlineData("door unlocked", "door")]
    [InlineData("plug cut off", "plug")]
    [InlineData("heating on", "heating")]
    public void An_effect_names_its_actuator(string effect, string actuator) => Assert.Equal(actuator, ConsoleHub.Actuator(effect));

    /// <summary>Everything a page opened now is sent before any new event.</summary>
    private async Task<List<SseItem<string>>> ReplayAsync()
    {
        using var cts = new CancellationTokenSource(Patience);
        var items = new List<SseItem<string>>();
        await using var page = _hub.SubscribeAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        while (true)
        {
            var next = page.MoveNextAsync().AsTask();
            // The replay is yielded without waiting; the first wait is the live part.
            if (await Task.WhenAny(next, Task.Delay(300, cts.Token)) != next)
            {
                await cts.CancelAsync();
                await next;
                return items;
            }

            if (!await next)
            {
                return items;
            }

            items.Add(page.Current);
        }
    }

    private async Task WaitForPagesAsync(int count, CancellationToken ct)
    {
        while (_hub.PageCount < count)
        {
            await Task.Delay(10, ct);
        }
    }
}
