using System.Diagnostics;
using MQTTnet.Packets;

namespace SmartHome.Messaging.Tests;

public sealed class TraceContextPropagationTests
{
    [Fact]
    public void Trace_context_round_trips_through_user_properties()
    {
        var context = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var properties = new List<MqttUserProperty>();
        TraceContextPropagation.Inject(context, properties);

        Assert.Contains(properties, p => p.Name == "traceparent");
        var extracted = TraceContextPropagation.Extract(properties);
        Assert.Equal(context.TraceId, extracted.TraceId);
        Assert.Equal(context.SpanId, extracted.SpanId);
        Assert.Equal(ActivityTraceFlags.Recorded, extracted.TraceFlags);
        Assert.True(extracted.IsRemote);
    }

    [Fact]
    public void Missing_or_garbage_trace_context_gives_no_parent()
    {
        Assert.Equal(default, TraceContextPropagation.Extract(null));
        Assert.Equal(default, TraceContextPropagation.Extract([]));
        var garbage = new List<MqttUserProperty> { new("traceparent", "zz-not-a-trace"u8.ToArray().AsMemory()) };
        Assert.Equal(default(ActivityTraceId), TraceContextPropagation.Extract(garbage).TraceId);
    }

    [Fact]
    public void Default_context_injects_nothing()
    {
        var properties = new List<MqttUserProperty>();
        TraceContextPropagation.Inject(default, properties);
        Assert.Empty(properties);
    }

    [Fact]
    public void Find_reads_a_named_property()
    {
        var properties = new List<MqttUserProperty> { new(MessageProperties.AttemptId, "abc"u8.ToArray().AsMemory()) };
        Assert.Equal("abc", TraceContextPropagation.Find(properties, MessageProperties.AttemptId));
        Assert.Null(TraceContextPropagation.Find(properties, "other"));
    }
}
