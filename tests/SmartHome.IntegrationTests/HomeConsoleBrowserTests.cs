using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Playwright;

namespace SmartHome.IntegrationTests;

/// <summary>
/// As a teacher in front of the class would: Debian's Chromium, driven by Playwright, opens the home console, runs the
/// inject attack at the outsider level against both homes with the console's own controls, and reads on the page that the
/// insecure home's heating went on because of the forged reading while the secure home's state stayed as it was. Only what
/// the page shows is read, never the HTTP API behind it. Run on the host's broker (Mosquitto where installed), which takes
/// the README's pictures (SMARTHOME_SCREENSHOTS=docs/images refreshes them), and on the embedded broker. Then it rotates the
/// secure home's keys with the console's button; and, in a test of its own, stops and starts the insecure home's sensor,
/// actuator and broker with the console's buttons and reads each part's state on the page.
/// </summary>
public abstract class HomeConsoleBrowserScenario : IAsyncLifetime
{
    private const int Attempts = 3;

    // Debian's package; found where HostTools looks (PATH, /usr/bin). Null: the test is skipped and starts no app.
    private static readonly string? Chromium = HostTools.Find("chromium");
    private readonly SmartHomeAppFixture _app = new();

    /// <summary>Extra AppHost arguments: the broker kind.</summary>
    protected abstract IEnumerable<string> BrokerArgs { get; }

    /// <summary>Whether this run's pictures are the README's (one run takes them).</summary>
    protected abstract bool TakesScreenshots { get; }

    public async Task InitializeAsync()
    {
        if (Chromium is null)
        {
            return;
        }

        // No steady readings: each home's state then changes only when something is applied, so "the secure home did not
        // change" is exact, and the insecure home's heating (off while no temperature came in) can go on only by the attack.
        _app.ExtraArgs.Add("--Sensor:ReadingsPerSecond=0");
        foreach (var arg in BrokerArgs)
        {
            _app.ExtraArgs.Add(arg);
        }

        await _app.InitializeAsync();
    }

    public Task DisposeAsync() => Chromium is not null ? _app.DisposeAsync() : Task.CompletedTask;

    [ToolFact("chromium")]
    public async Task An_injection_run_from_the_console_turns_the_insecure_homes_heating_on_and_leaves_the_secure_home_as_it_was()
    {
        await _app.WaitHealthyAsync("insecure-broker", "insecure-actuator", "insecure-sensor", "secure-broker", "secure-actuator", "secure-sensor",
            "home-console");
        // The attackers wait for an explicit start (the dashboard's Start button, which DashboardBrowserTests presses).
        foreach (var attacker in new[] { "insecure-attacker", "secure-attacker" })
        {
            var started = await _app.App.ResourceCommands.ExecuteCommandAsync(attacker, KnownResourceCommands.StartCommand);
            Assert.True(started.Success, started.Message);
        }

        await _app.WaitHealthyAsync("insecure-attacker", "secure-attacker");
        var console = _app.App.GetEndpoint("home-console", "http").ToString().TrimEnd('/');

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await DashboardBrowser.LaunchAsync(playwright, Chromium!);
        var page = await DashboardBrowser.NewPageAsync(browser);
        await OpenAsync(page, console);

        Assert.Equal("off", await StateAsync(page, "insecure", "heating"));
        var secureBefore = await page.Locator("#state-secure").InnerTextAsync();
        await ScreenshotAsync(page, "console-before.png");

        await RunInjectionAsync(page, console);

        // The grid says what happened to each home...
        var insecureCell = page.Locator("#cell-insecure-inject-outsider");
        var secureCell = page.Locator("#cell-secure-inject-outsider");
        Assert.StartsWith("BREACHED", await insecureCell.InnerTextAsync(), StringComparison.Ordinal);
        Assert.StartsWith("blocked", await secureCell.InnerTextAsync(), StringComparison.Ordinal);

        // ...and the homes show it: the insecure heating is on, named as caused by the attacker's forged reading.
        await page.Locator("#actuator-insecure-heating .value").Filter(new() { HasText = "on" }).WaitForAsync(new() { Timeout = 30_000 });
        Assert.Contains("forged reading", await page.Locator("#actuator-insecure-heating .cause").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("15.0 °C (forged by the attacker)", await page.Locator("#device-insecure-temp-living .reading").InnerTextAsync());
        Assert.Contains("attack", await page.Locator("#decisions-insecure").InnerTextAsync(), StringComparison.Ordinal);
        // Each decision row opens its trace in this run's dashboard.
        var dashboard = _app.App.GetEndpoint("aspire-dashboard").ToString().TrimEnd('/');
        var trace = await page.Locator("#decisions-insecure li a").First.GetAttributeAsync("href");
        Assert.Matches($"^{System.Text.RegularExpressions.Regex.Escape(dashboard)}/traces/detail/[0-9a-f]{{32}}$", trace);
        Assert.Equal(secureBefore, await page.Locator("#state-secure").InnerTextAsync());
        Assert.Equal("off", await StateAsync(page, "secure", "heating"));
        await ScreenshotAsync(page, "console-after.png");

        // The key-rotation button says what it does; pressed with the keyboard, the page says the devices announced new keys.
        var rotate = page.Locator("#rotate-secure");
        Assert.Equal("Rotate the secure home's session keys (every device announces a fresh AES-256 key now)", await rotate.InnerTextAsync());
        await rotate.FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#control-status").Filter(new() { HasText = "The secure home's devices announced fresh session keys." })
            .WaitForAsync(new() { Timeout = 60_000 });
    }

    [ToolFact("chromium")]
    public async Task The_console_stops_and_starts_a_homes_broker_sensor_and_actuator_and_shows_each_state()
    {
        await _app.WaitHealthyAsync("insecure-broker", "insecure-actuator", "insecure-sensor", "secure-broker", "secure-actuator", "secure-sensor",
            "home-console");
        var console = _app.App.GetEndpoint("home-console", "http").ToString().TrimEnd('/');

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await DashboardBrowser.LaunchAsync(playwright, Chromium!);
        var page = await DashboardBrowser.NewPageAsync(browser);
        await OpenHomesAsync(page, console);

        foreach (var (role, stopSays, startSays) in new[]
                 {
                     ("sensor", "its four devices stop sending readings", "its devices send readings again"),
                     ("actuator", "nothing is applied and the console loses its decisions", "it applies readings again"),
                     ("broker", "no message gets through until it is started again", "messages flow again"),
                 })
        {
            var state = page.Locator($"#part-state-insecure-{role}");
            var button = page.Locator($"#pipeline-insecure-{role}");
            await state.Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^running$") }).WaitForAsync(new() { Timeout = 60_000 });
            Assert.Equal($"Stop the insecure home's {role} ({stopSays})", await button.InnerTextAsync());
            await button.FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await state.Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^stopped$") }).WaitForAsync(new() { Timeout = 60_000 });
            await page.Locator("#control-status").Filter(new() { HasText = $"The insecure home's {role}: stopped." }).WaitForAsync(new() { Timeout = 60_000 });
            await button.Filter(new() { HasText = $"Start the insecure home's {role} ({startSays})" }).WaitForAsync(new() { Timeout = 30_000 });
            if (role == "actuator")
            {
                // Without its actuator the home's decisions stop: the page says it is not answering.
                await page.Locator("#link-insecure").Filter(new() { HasText = "not answering" }).WaitForAsync(new() { Timeout = 30_000 });
            }

            // The secure home's parts were not touched.
            Assert.Equal("running", (await page.Locator($"#part-state-secure-{role}").InnerTextAsync()).Trim());

            await button.FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await state.Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^running$") }).WaitForAsync(new() { Timeout = 120_000 });
            await button.Filter(new() { HasText = $"Stop the insecure home's {role}" }).WaitForAsync(new() { Timeout = 30_000 });
        }

        // Back to normal: the console follows the restarted actuator again.
        await page.Locator("#link-insecure").Filter(new() { HasText = "live" }).WaitForAsync(new() { Timeout = 60_000 });
    }

    /// <summary>Opens the console and waits until both homes are live and both attackers are known to it.</summary>
    private static async Task OpenAsync(IPage page, string console)
    {
        await OpenHomesAsync(page, console);
        Assert.Equal(string.Empty, (await page.Locator("#attacker-status").InnerTextAsync()).Trim());
    }

    /// <summary>Opens the console and waits until both homes are live.</summary>
    private static async Task OpenHomesAsync(IPage page, string console)
    {
        await page.GotoAsync(console + "/");
        foreach (var home in new[] { "insecure", "secure" })
        {
            await page.Locator($"#link-{home}").Filter(new() { HasText = "live" }).WaitForAsync(new() { Timeout = 60_000 });
            await page.Locator($"#actuator-{home}-heating .value").Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^(on|off)$") })
                .WaitForAsync();
        }
    }

    /// <summary>
    /// Chooses inject, outsider, both homes and <see cref="Attempts"/> attempts, checks the button says exactly that, presses
    /// it and waits for the grid to finish. A press whose answer never came (no "Started" status, no running grid) is
    /// pressed again on a reloaded page, as a user would; after three tries, fail with what the page showed.
    /// </summary>
    private static async Task RunInjectionAsync(IPage page, string console)
    {
        var gridRun = page.Locator("#grid-run");
        for (var attempt = 1; ; attempt++)
        {
            await page.GetByLabel("Both homes", new() { Exact = true }).CheckAsync();
            await page.Locator("#attack-choice").SelectOptionAsync("inject");
            await page.Locator("#level-choice").SelectOptionAsync("outsider");
            await page.Locator("#attempts-choice").FillAsync(Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var button = page.Locator("#run-attack");
            Assert.Equal($"Run inject as outsider, {Attempts} attempts, against the insecure and the secure homes", await button.InnerTextAsync());
            // The keyboard works too: the button is focused and pressed with Enter.
            await button.FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            try
            {
                await gridRun.Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^(Running|Finished)") })
                    .WaitForAsync(new() { Timeout = 30_000 });
                await gridRun.Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^Finished") })
                    .WaitForAsync(new() { Timeout = 180_000 });
                return;
            }
            catch (TimeoutException ex)
            {
                var body = await page.Locator("body").InnerTextAsync(new() { Timeout = 10_000 });
                if (attempt == 3 || body.Contains("Running:", StringComparison.Ordinal))
                {
                    throw new TimeoutException($"The injection run did not finish (try {attempt}). Page: {(body.Length > 2000 ? body[^2000..] : body)}", ex);
                }

                await OpenAsync(page, console);
            }
        }
    }

    private Task ScreenshotAsync(IPage page, string name) =>
        TakesScreenshots ? DashboardBrowser.ScreenshotAsync(page, name, fullPage: true) : Task.CompletedTask;

    private static async Task<string> StateAsync(IPage page, string home, string actuator) =>
        (await page.Locator($"#actuator-{home}-{actuator} .value").InnerTextAsync()).Trim();
}

/// <summary>The home console on the host's broker (Mosquitto where installed); takes the README's pictures.</summary>
public sealed class HomeConsoleBrowserTests : HomeConsoleBrowserScenario
{
    protected override IEnumerable<string> BrokerArgs => [];

    protected override bool TakesScreenshots => true;
}

/// <summary>The home console on the embedded broker.</summary>
public sealed class HomeConsoleOnEmbeddedBrokerBrowserTests : HomeConsoleBrowserScenario
{
    protected override IEnumerable<string> BrokerArgs => ["--Broker:Mode=embedded"];

    protected override bool TakesScreenshots => false;
}
