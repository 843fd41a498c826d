using Microsoft.Playwright;

namespace SmartHome.IntegrationTests;

/// <summary>
/// A newcomer's first look, in Debian's Chromium: both pipelines in the resource list with no banner asking to trust a
/// development certificate, one secure reading's trace across sensor and actuator with the actuator's verdict, and the
/// secure pipeline's latency metric. The pictures are the README's (SMARTHOME_SCREENSHOTS=docs/images refreshes them).
/// </summary>
public sealed class DashboardScreenshotTests : IAsyncLifetime
{
    private static readonly string? Chromium = HostTools.Find("chromium");
    private readonly SmartHomeAppFixture _app = new();

    public Task InitializeAsync() => Chromium is not null ? _app.InitializeAsync() : Task.CompletedTask;

    public Task DisposeAsync() => Chromium is not null ? _app.DisposeAsync() : Task.CompletedTask;

    [ToolFact("chromium")]
    public async Task A_newcomer_sees_both_pipelines_a_readings_trace_and_its_latency_without_a_certificate_banner()
    {
        await _app.WaitHealthyAsync("insecure-broker", "insecure-actuator", "insecure-sensor", "secure-broker", "secure-actuator", "secure-sensor");
        var dashboard = _app.App.GetEndpoint("aspire-dashboard").ToString().TrimEnd('/');
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await DashboardBrowser.LaunchAsync(playwright, Chromium!);
        var page = await DashboardBrowser.NewPageAsync(browser);

        await page.GotoAsync(dashboard + "/");
        await DashboardBrowser.ProjectRow(page, "secure-sensor").WaitForAsync();
        await page.GetByText("Running", new() { Exact = true }).Nth(5).WaitForAsync();
        Assert.DoesNotContain("development certificate", await page.Locator("body").InnerTextAsync(), StringComparison.OrdinalIgnoreCase);
        await DashboardBrowser.ScreenshotAsync(page, "dashboard-resources.png");

        var traceId = await _app.EventuallyAsync(SecureReadingTraceIdAsync, TimeSpan.FromMinutes(1), "a secure reading's trace in the dashboard");
        await page.GotoAsync($"{dashboard}/traces/detail/{traceId}");
        await page.GetByText("Total spans").WaitForAsync();
        await page.GetByText("secure-sensor", new() { Exact = true }).WaitForAsync();
        await page.GetByText("secure-actuator", new() { Exact = true }).ClickAsync();
        // The actuator span's details: what it decided about the reading.
        await page.GetByText("smarthome.verdict").WaitForAsync();
        await DashboardBrowser.ScreenshotAsync(page, "dashboard-trace.png");

        await page.GotoAsync($"{dashboard}/metrics/resource/secure-actuator?meter=SmartHome&instrument=smarthome.e2e.latency&duration=5&view=Graph");
        await page.GetByText("Time from the sensor's publish to the actuator's decision.").WaitForAsync();
        await page.GetByText("P99 Milliseconds").WaitForAsync();
        await DashboardBrowser.ScreenshotAsync(page, "dashboard-latency.png");
    }

    /// <summary>The trace id of a secure reading whose actuator span has the sensor's publish span as parent, from the dashboard's telemetry API.</summary>
    private async Task<string?> SecureReadingTraceIdAsync()
    {
        using var dashboard = _app.HttpWithoutSecret("aspire-dashboard");
        dashboard.Timeout = TimeSpan.FromSeconds(60);
        using var processDocument = System.Text.Json.JsonDocument.Parse(await dashboard.GetStringAsync(new Uri("/api/telemetry/spans?resource=secure-actuator", UriKind.Relative)));
        foreach (var process in DashboardSpans.Read(processDocument.RootElement)
                     .Where(s => s.Name.StartsWith("process smarthome/readings/", StringComparison.Ordinal)).Reverse().Take(5))
        {
            using var traceDocument = System.Text.Json.JsonDocument.Parse(await dashboard.GetStringAsync(new Uri($"/api/telemetry/traces/{process.TraceId}", UriKind.Relative)));
            if (DashboardSpans.Read(traceDocument.RootElement).Any(s => s.SpanId == process.ParentSpanId && s.Name.StartsWith("publish ", StringComparison.Ordinal)))
            {
                return process.TraceId;
            }
        }

        return null;
    }
}
