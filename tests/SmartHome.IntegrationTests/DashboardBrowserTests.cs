using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace SmartHome.IntegrationTests;

/// <summary>
/// As a user would: Debian's Chromium, driven by Playwright, opens the Aspire dashboard, stops and starts a pipeline
/// resource, starts the attacker and runs its campaign command, then finds the attack spans in the traces view.
/// </summary>
public sealed class DashboardBrowserTests : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly float Minute = 60_000;
    private readonly SmartHomeAppFixture _app = new();

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium))
        {
            return;
        }

        _app.ExtraArgs.Add("--Pipelines:Secure:Enabled=false");
        _app.ExtraArgs.Add("--Attacker:CommandAttempts=3");
        await _app.InitializeAsync();
    }

    public Task DisposeAsync() => File.Exists(Chromium) ? _app.DisposeAsync() : Task.CompletedTask;

    [Fact]
    public async Task A_user_stops_and_starts_a_pipeline_resource_runs_a_campaign_and_sees_the_attack_spans()
    {
        Assert.True(File.Exists(Chromium), $"{Chromium} is required (apt-get install chromium; .ci/run installs it)");
        await _app.WaitHealthyAsync("insecure-broker", "insecure-actuator", "insecure-sensor");
        var dashboard = _app.App.GetEndpoint("aspire-dashboard").ToString().TrimEnd('/');

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Without these Chromium keeps calling home, which this closed network refuses.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } });
        page.SetDefaultTimeout(2 * Minute);
        await page.GotoAsync(dashboard + "/");

        ILocator Row(string resource) => page.GetByRole(AriaRole.Row, new() { NameRegex = new Regex($"^Project: {Regex.Escape(resource)} ") });

        // Stop and start the insecure sensor from its row, as a user would.
        await Row("insecure-sensor").GetByRole(AriaRole.Button, new() { Name = "Stop resource" }).ClickAsync();
        await Row("insecure-sensor").GetByRole(AriaRole.Button, new() { Name = "Start resource" }).WaitForAsync();
        Assert.Contains("Finished", await Row("insecure-sensor").TextContentAsync() ?? string.Empty, StringComparison.Ordinal);
        await Row("insecure-sensor").GetByRole(AriaRole.Button, new() { Name = "Start resource" }).ClickAsync();
        await Row("insecure-sensor").GetByRole(AriaRole.Button, new() { Name = "Stop resource" }).WaitForAsync();
        await _app.WaitHealthyAsync("insecure-sensor");

        // The attacker waits for an explicit start; then its highlighted command runs the campaign.
        await Row("insecure-attacker").GetByRole(AriaRole.Button, new() { Name = "Start resource" }).ClickAsync();
        await _app.WaitHealthyAsync("insecure-attacker");
        var command = Row("insecure-attacker").GetByRole(AriaRole.Button, new() { NameRegex = new Regex("attempts of every attack") });
        for (var i = 0; i < 60 && !await command.IsEnabledAsync(); i++)
        {
            await page.WaitForTimeoutAsync(1000);
        }

        await command.ClickAsync();

        // The traces view shows the attempts as "attack …" spans of the attacker.
        await page.GotoAsync(dashboard + "/traces");
        await page.GetByRole(AriaRole.Searchbox).FillAsync("attack");
        var attackTrace = page.GetByRole(AriaRole.Row, new() { NameRegex = new Regex("insecure-attacker: attack ") }).First;
        await attackTrace.WaitForAsync(new() { Timeout = 4 * Minute });
        Assert.Matches("attack (eavesdrop|inject|tamper|replay)", await attackTrace.TextContentAsync() ?? string.Empty);
    }
}
