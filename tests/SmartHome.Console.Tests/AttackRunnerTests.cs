using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SmartHome.Contracts;
using SmartHome.ServiceDefaults;

namespace SmartHome.Console.Tests;

/// <summary>What a press runs: one attacker call per attack × level, with the control secret, the grid's events in order.</summary>
public sealed class AttackRunnerTests
{
    private const string Secret = "a-control-secret-of-this-run";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly FakeAttackers _attackers = new();
    private readonly ConsoleHub _hub = new();
    private readonly AttackRunner _runner;

    public AttackRunnerTests() =>
        _runner = new AttackRunner(_attackers, _hub, Options.Create(new ConsoleOptions()), Options.Create(new ControlOptions { ControlSecret = Secret }),
            new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance), NullLogger<AttackRunner>.Instance);

    [Fact]
    public async Task One_attack_at_one_level_against_both_homes_is_one_judged_call_per_home_and_fills_the_grid()
    {
        var events = await RunAsync(new AttackPlan(["insecure", "secure"], ["inject"], ["outsider"], 3));

        Assert.Equal(2, _attackers.Requests.Count);
        Assert.All(_attackers.Requests, r =>
        {
            Assert.Equal("Bearer " + Secret, r.Authorization);
            Assert.Contains("attempts=3&attacks=inject&levels=outsider", r.Query, StringComparison.Ordinal);
        });
        Assert.Equal(["insecure", "secure"], _attackers.Requests.Select(r => r.Home).Order());

        Assert.Equal(ConsoleEvents.Run, events[0].EventType);
        Assert.Contains("\"status\":\"started\"", events[0].Data, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"finished\"", events[^1].Data, StringComparison.Ordinal);
        var insecureCells = events.Where(e => e.EventType == ConsoleEvents.Cell && e.Data.Contains("\"pipeline\":\"insecure\"", StringComparison.Ordinal))
            .Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("status").GetString()).ToList();
        Assert.Equal(["queued", "running", "done"], insecureCells);
        Assert.Contains(events, e => e.Data.Contains("\"succeeded\":3", StringComparison.Ordinal) && e.Data.Contains("insecure", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_home_whose_attacker_is_not_running_gets_failed_cells_that_say_how_to_start_it()
    {
        _attackers.Down.Add("secure");

        var events = await RunAsync(new AttackPlan(["secure"], ["inject"], ["insider"], 1));

        var failed = Assert.Single(events, e => e.Data.Contains("\"status\":\"failed\"", StringComparison.Ordinal));
        Assert.Contains("secure-attacker is not running: start it in the dashboard", failed.Data, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"finished\"", events[^1].Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_campaign_runs_the_attackers_catalogue_without_the_attack_only_the_apphost_can_run()
    {
        await RunAsync(new AttackPlan(["insecure"], [], ["outsider"], 1));

        Assert.Equal(["attacks=eavesdrop", "attacks=inject"], _attackers.Requests.Select(r => r.Query.Split('&')[1]));
    }

    [Fact]
    public async Task A_second_press_while_a_run_goes_on_is_refused()
    {
        _attackers.Hold = new TaskCompletionSource();
        Assert.True(_runner.TryStart(new AttackPlan(["insecure"], ["inject"], ["outsider"], 1), out _));
        Assert.False(_runner.TryStart(new AttackPlan(["secure"], ["inject"], ["outsider"], 1), out _));
        _attackers.Hold.SetResult();
    }

    /// <summary>Starts <paramref name="plan"/> and collects the hub's events until its run finished.</summary>
    private async Task<List<System.Net.ServerSentEvents.SseItem<string>>> RunAsync(AttackPlan plan)
    {
        using var cts = new CancellationTokenSource(Patience);
        var events = new List<System.Net.ServerSentEvents.SseItem<string>>();
        await using var page = _hub.SubscribeAsync(cts.Token).GetAsyncEnumerator(cts.Token);
        var first = page.MoveNextAsync().AsTask();
        while (_hub.PageCount == 0)
        {
            await Task.Delay(10, cts.Token);
        }

        Assert.True(_runner.TryStart(plan, out _));
        Assert.True(await first);
        events.Add(page.Current);
        while (!(page.Current.EventType == ConsoleEvents.Run && page.Current.Data.Contains("\"status\":\"finished\"", StringComparison.Ordinal)))
        {
            Assert.True(await page.MoveNextAsync());
            events.Add(page.Current);
        }

        return events;
    }

    /// <summary>Both homes' attackers, answering as the real one does (GET / and POST /campaign), or refusing connections.</summary>
    private sealed class FakeAttackers : IHttpClientFactory
    {
        public List<(string Home, string Query, string? Authorization)> Requests { get; } = [];

        public HashSet<string> Down { get; } = [];

        public TaskCompletionSource? Hold { get; set; }

        public HttpClient CreateClient(string name) =>
            new(new Handler(this, name.Split('-')[0])) { BaseAddress = new Uri($"http://{name}") };

        private sealed class Handler(FakeAttackers attackers, string home) : HttpMessageHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                if (attackers.Down.Contains(home))
                {
                    throw new HttpRequestException("Connection refused");
                }

                if (request.Method == HttpMethod.Get)
                {
                    return Json("""{"pipeline":"x","attacks":["eavesdrop","inject","replay-after-restart"]}""");
                }

                if (attackers.Hold is { } hold)
                {
                    await hold.Task.WaitAsync(cancellationToken);
                }

                lock (attackers.Requests)
                {
                    attackers.Requests.Add((home, request.RequestUri!.Query.TrimStart('?'), request.Headers.Authorization?.ToString()));
                }

                var query = System.Web.HttpUtility.ParseQueryString(request.RequestUri.Query);
                var result = new AttackResult
                {
                    Pipeline = home, Attack = query["attacks"]!, Level = query["levels"]!, Attempts = 3,
                    Succeeded = home == "insecure" ? 3 : 0,
                    BlockedBy = home == "insecure" ? new Dictionary<string, int>() : new Dictionary<string, int> { ["broker-auth"] = 3 },
                };
                return Json(JsonSerializer.Serialize(new CampaignReport(home, DateTimeOffset.UnixEpoch, 1, 3, [result]), new JsonSerializerOptions(JsonSerializerDefaults.Web)));
            }

            private static HttpResponseMessage Json(string body) =>
                new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        }
    }
}
