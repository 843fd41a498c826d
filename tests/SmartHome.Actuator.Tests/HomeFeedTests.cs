using System.Buffers;
using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using SmartHome.Contracts;
using SmartHome.Messaging;
using SmartHome.ServiceDefaults;

namespace SmartHome.Actuator.Tests;

/// <summary>The actuator's live stream (<c>GET /decisions/stream</c>): what it sends, in which order, and that it waits instead of polling.</summary>
public sealed class HomeFeedTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly HomeState _home = new();
    private readonly DecisionLog _log = new(1000);
    private readonly ReadingProcessor _processor;

    public HomeFeedTests() =>
        _processor = new ReadingProcessor(new PlaintextProtection(), _home, new DeviceAuthorization(TestRegistry.Home(), TimeProvider.System), _log,
            TimeProvider.System, "insecure", NullLogger<ReadingProcessor>.Instance);

    [Fact]
    public async Task The_stream_opens_with_the_state_then_sends_each_new_decision_with_the_state_after_it()
    {
        using var cts = new CancellationTokenSource(Patience);
        await using var stream = new HomeFeed(_log, _home).StreamAsync(null, cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.True(await stream.MoveNextAsync());
        Assert.Equal(HomeUpdate.SnapshotEvent, stream.Current.EventType);
        Assert.Null(stream.Current.Data.Decision);
        Assert.True(stream.Current.Data.State.DoorLocked);

        var next = stream.MoveNextAsync().AsTask();
        // Nothing was decided yet: the stream must wait, not answer.
        await Task.Delay(200, cts.Token);
        Assert.False(next.IsCompleted);

        Process("door-front", DeviceKind.Door, 1.0, "m-door");
        Assert.True(await next);
        Assert.Equal(HomeUpdate.DecisionEvent, stream.Current.EventType);
        Assert.Equal("1", stream.Current.EventId);
        Assert.Equal("m-door", stream.Current.Data.Decision!.MessageId);
        Assert.Equal("door unlocked", stream.Current.Data.Decision.Effect);
        Assert.False(stream.Current.Data.State.DoorLocked);
    }

    [Fact]
    public async Task A_rejected_decision_is_streamed_with_its_reason_and_the_unchanged_state()
    {
        using var cts = new CancellationTokenSource(Patience);
        await using var stream = new HomeFeed(_log, _home).StreamAsync(null, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await stream.MoveNextAsync());

        _processor.Process("smarthome/readings/door-front", new ReadOnlySequence<byte>("not json"u8.ToArray()), null);
        Assert.True(await stream.MoveNextAsync());
        Assert.Equal(DecisionLog.Rejected, stream.Current.Data.Decision!.Verdict);
        Assert.Equal(RejectReasons.Malformed, stream.Current.Data.Decision.Reason);
        Assert.True(stream.Current.Data.State.DoorLocked);
    }

    [Fact]
    public async Task A_reconnecting_reader_gets_the_decisions_it_missed_first()
    {
        Process("door-front", DeviceKind.Door, 1.0, "m-1");
        Process("door-front", DeviceKind.Door, 0.0, "m-2");
        Process("door-front", DeviceKind.Door, 1.0, "m-3");
        using var cts = new CancellationTokenSource(Patience);
        await using var stream = new HomeFeed(_log, _home).StreamAsync(after: 1, cts.Token).GetAsyncEnumerator(cts.Token);

        Assert.True(await stream.MoveNextAsync());
        Assert.True(await stream.MoveNextAsync());
        Assert.Equal("m-2", stream.Current.Data.Decision!.MessageId);
        Assert.True(await stream.MoveNextAsync());
        Assert.Equal("m-3", stream.Current.Data.Decision!.MessageId);
    }

    [Fact]
    public async Task A_new_reader_starts_at_now_and_does_not_replay_the_whole_log()
    {
        Process("door-front", DeviceKind.Door, 1.0, "old");
        using var cts = new CancellationTokenSource(Patience);
        await using var stream = new HomeFeed(_log, _home).StreamAsync(null, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await stream.MoveNextAsync());
        Assert.False(stream.Current.Data.State.DoorLocked);

        Process("door-front", DeviceKind.Door, 0.0, "new");
        Assert.True(await stream.MoveNextAsync());
        Assert.Equal("new", stream.Current.Data.Decision!.MessageId);
    }

    [Fact]
    public async Task Cancelling_ends_a_waiting_stream_without_an_exception()
    {
        using var cts = new CancellationTokenSource(Patience);
        await using var stream = new HomeFeed(_log, _home).StreamAsync(null, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await stream.MoveNextAsync());
        var next = stream.MoveNextAsync().AsTask();
        await cts.CancelAsync();
        Assert.False(await next);
    }

    [Fact]
    public async Task Stopping_the_actuator_ends_every_open_stream()
    {
        using var stopping = new CancellationTokenSource();
        using var cts = new CancellationTokenSource(Patience);
        await using var stream = new HomeFeed(_log, _home, stopping.Token).StreamAsync(null, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await stream.MoveNextAsync());
        var next = stream.MoveNextAsync().AsTask();
        await stopping.CancelAsync();
        Assert.False(await next);
    }

    [Fact]
    public async Task The_wire_format_names_each_event_and_carries_the_decision_as_json()
    {
        Process("door-front", DeviceKind.Door, 1.0, "m-wire");
        using var cts = new CancellationTokenSource();
        var body = new MemoryStream();
        var context = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider(),
            Response = { Body = body },
        };
        var result = TypedResults.ServerSentEvents(TakeAsync(new HomeFeed(_log, _home).StreamAsync(after: 0, cts.Token), 2));

        await result.ExecuteAsync(context);

        var text = Encoding.UTF8.GetString(body.ToArray());
        Assert.Equal("text/event-stream", context.Response.ContentType);
        Assert.Contains("event: snapshot\n", text, StringComparison.Ordinal);
        Assert.Contains("event: decision\n", text, StringComparison.Ordinal);
        Assert.Contains("id: 1\n", text, StringComparison.Ordinal);
        Assert.Contains("\"messageId\":\"m-wire\"", text, StringComparison.Ordinal);
        Assert.Contains("\"doorLocked\":false", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_decision_names_the_trace_of_its_own_process_span()
    {
        using var listener = new ActivityListener
        {
            // By name: the source may be created (in a static constructor) while this listener is asked about it.
            ShouldListenTo = source => source.Name == SmartHomeTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        string? spanTrace = null;
        listener.ActivityStopped = span =>
        {
            if (span.OperationName.EndsWith("door-front", StringComparison.Ordinal))
            {
                spanTrace = span.TraceId.ToHexString();
            }
        };

        var decision = Process("door-front", DeviceKind.Door, 1.0, "m-traced");

        Assert.NotNull(decision.TraceId);
        Assert.Equal(spanTrace, decision.TraceId);
    }

    private Decision Process(string device, DeviceKind kind, double value, string messageId)
    {
        var reading = new DeviceReading(messageId, device, kind, value, 1, DeviceReading.NowMicros(TimeProvider.System));
        return _processor.Process($"smarthome/readings/{device}", new ReadOnlySequence<byte>(reading.ToUtf8Json()), null);
    }

    private static async IAsyncEnumerable<T> TakeAsync<T>(IAsyncEnumerable<T> source, int count)
    {
        var taken = 0;
        await foreach (var item in source.ConfigureAwait(false))
        {
            yield return item;
            if (++taken == count)
            {
                yield break;
            }
        }
    }
}
