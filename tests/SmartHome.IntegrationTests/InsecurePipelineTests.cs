using System.Text.Json;
using SmartHome.Contracts;

namespace SmartHome.IntegrationTests;

/// <summary>
/// The insecure pipeline end to end: the AppHost's default broker (the host's Mosquitto, else the embedded fallback),
/// real sensor and actuator, the dashboard's telemetry.
/// </summary>
[Collection(SmartHomeAppCollection.Name)]
public sealed class InsecurePipelineTests(SmartHomeAppFixture fixture)
{
    [Fact]
    public async Task Sensor_readings_are_applied_by_the_actuator_and_traced_as_one_trace()
    {
        await fixture.WaitHealthyAsync("insecure-broker", "insecure-actuator", "insecure-sensor");
        var actuator = fixture.Http("insecure-actuator");
        // Only readings decided from now on: other tests in this collection stop brokers and actuators on purpose.
        var start = (await actuator.GetAsync<System.Text.Json.JsonElement>("/decisions/summary")).GetProperty("total").GetInt64();

        var applied = await fixture.EventuallyAsync(async () =>
        {
            var decisions = await actuator.GetAsync<List<Decision>>($"/decisions?verdict=applied&limit=1000&after={start}");
            return decisions is { Count: >= 8 } ? decisions : null;
        }, TimeSpan.FromSeconds(60), "eight applied readings");

        Assert.All(applied, d =>
        {
            Assert.Equal("applied", d.Verdict);
            Assert.StartsWith("smarthome/readings/", d.Topic);
            Assert.NotNull(d.MessageId);
            Assert.NotNull(d.LatencyMs);
            Assert.InRange(d.LatencyMs!.Value, 0, 5_000);
        });
        Assert.True(applied.Select(d => d.Kind).Distinct().Count() >= 3, "readings of at least three device kinds are applied");

        // The dashboard shows the sensor's publish and the actuator's process span in one trace.
        var dashboard = fixture.HttpWithoutSecret("aspire-dashboard");
        dashboard.Timeout = TimeSpan.FromSeconds(60);
        var messageId = applied[^1].MessageId!;
        var trace = await fixture.EventuallyAsync(
            () => FindTraceWithBothSpansAsync(dashboard, applied.Select(d => d.MessageId!).ToHashSet()),
            TimeSpan.FromSeconds(60), $"a trace with the sensor and actuator spans of reading {messageId}");
        Assert.Equal("insecure-sensor", trace.PublishService);
        Assert.Equal("insecure-actuator", trace.ProcessService);
        Assert.Equal(trace.PublishTraceId, trace.ProcessTraceId);
        Assert.Equal("mqtt", trace.ProcessAttributes["messaging.system"]);
        Assert.Equal("process", trace.ProcessAttributes["messaging.operation.type"]);
        Assert.Equal("insecure", trace.ProcessAttributes["smarthome.pipeline"]);
        Assert.Equal("applied", trace.ProcessAttributes["smarthome.verdict"]);
        Assert.Equal("publish", trace.PublishAttributes["messaging.operation.type"]);
    }

    [Fact]
    public async Task A_malformed_reading_is_recorded_as_rejected_and_the_actuator_keeps_working()
    {
        await fixture.WaitHealthyAsync("insecure-broker", "insecure-actuator");
        var broker = await fixture.App.GetConnectionStringAsync("insecure-broker");
        var attempt = Guid.NewGuid().ToString("N");
        await MqttTestClient.PublishAsync(broker!, "smarthome/readings/temp-living", "{not json"u8.ToArray(), attempt);

        var actuator = fixture.Http("insecure-actuator");
        var rejected = await fixture.EventuallyAsync(async () =>
        {
            var decisions = await actuator.GetAsync<List<Decision>>($"/decisions?attemptId={attempt}");
            return decisions is { Count: > 0 } ? decisions : null;
        }, TimeSpan.FromSeconds(30), "the malformed message's decision");

        Assert.Equal("rejected", Assert.Single(rejected).Verdict);
        Assert.Equal("malformed", rejected[0].Reason);

        // Still alive and applying readings after the bad input.
        var before = (await actuator.GetAsync<JsonElement>("/decisions/summary")).GetProperty("applied").GetInt64();
        await fixture.EventuallyAsync(async () =>
        {
            var now = (await actuator.GetAsync<JsonElement>("/decisions/summary")).GetProperty("applied").GetInt64();
            return now > before ? (object)now : null;
        }, TimeSpan.FromSeconds(30), "readings applied after the malformed one");
    }

    /// <summary>
    /// Finds an actuator span of one of <paramref name="messageIds"/> (only that resource's spans: the whole app's
    /// would be a large answer), then reads its whole trace and the sensor span that is its parent.
    /// </summary>
    private static async Task<TraceMatch?> FindTraceWithBothSpansAsync(HttpClient dashboard, HashSet<string> messageIds)
    {
        using var processDocument = JsonDocument.Parse(await dashboard.GetStringAsync("/api/telemetry/spans?resource=insecure-actuator"));
        var process = DashboardSpans.Read(processDocument.RootElement).FirstOrDefault(s =>
            s.Name.StartsWith("process ", StringComparison.Ordinal)
            && s.Attributes.TryGetValue("messaging.message.id", out var id) && messageIds.Contains(id));
        if (process is null)
        {
            return null;
        }

        using var traceDocument = JsonDocument.Parse(await dashboard.GetStringAsync($"/api/telemetry/traces/{process.TraceId}"));
        var publish = DashboardSpans.Read(traceDocument.RootElement).FirstOrDefault(s =>
            s.Name.StartsWith("publish ", StringComparison.Ordinal) && s.SpanId == process.ParentSpanId);
        return publish is null
            ? null
            : new TraceMatch(publish.Service, process.Service, publish.TraceId, process.TraceId, publish.Attributes, process.Attributes);
    }

    private sealed record TraceMatch(string PublishService, string ProcessService, string PublishTraceId, string ProcessTraceId,
        IReadOnlyDictionary<string, string> PublishAttributes, IReadOnlyDictionary<string, string> ProcessAttributes);
}
