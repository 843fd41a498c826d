using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace SmartHome.IntegrationTests;

/// <summary>Debian's Chromium through Playwright, pointed at the Aspire dashboard the way the browser tests share.</summary>
public static class DashboardBrowser
{
    private const float TwoMinutes = 120_000;

    public static Task<IBrowser> LaunchAsync(IPlaywright playwright, string chromium) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            // Without these Chromium keeps calling home, which this closed network refuses.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"],
        });

    public static async Task<IPage> NewPageAsync(IBrowser browser)
    {
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } });
        page.SetDefaultTimeout(TwoMinutes);
        return page;
    }

    /// <summary>A project resource's row in the resource list.</summary>
    public static ILocator ProjectRow(IPage page, string resource) =>
        page.GetByRole(AriaRole.Row, new() { NameRegex = new Regex($"^Project: {Regex.Escape(resource)} ") });

    /// <summary>The text of the dashboard's notification center (command results), for a failure message.</summary>
    public static async Task<string> NotificationsAsync(IPage page)
    {
        try
        {
            // Fluent UI web components carry their accessible name on the custom element: found by attribute.
            await page.Locator("[aria-label='Notifications']").First.ClickAsync(new() { Timeout = 10_000 });
            await page.WaitForTimeoutAsync(1000);
            var text = await page.Locator("body").InnerTextAsync(new() { Timeout = 10_000 });
            return text.Length > 1500 ? text[^1500..] : text;
        }
        catch (Exception ex) when (ex is TimeoutException or PlaywrightException)
        {
            return $"(could not open the notification center: {ex.Message})";
        }
    }

    /// <summary>
    /// Saves a picture of the page into SMARTHOME_SCREENSHOTS (docs/images refreshes the README's) or else the test output.
    /// The test's dashboard allows anonymous API calls (the default run does not) and says so in a banner, which is
    /// dismissed first: it is not part of what a user of the default run sees.
    /// </summary>
    /// <param name="fullPage">The whole page, not only the window (the home console is taller than a screen).</param>
    public static async Task ScreenshotAsync(IPage page, string name, bool fullPage = false)
    {
        var directory = Environment.GetEnvironmentVariable("SMARTHOME_SCREENSHOTS") is { Length: > 0 } configured
            ? Path.GetFullPath(configured)
            : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        var dismiss = page.Locator("[aria-label='Dismiss notification']");
        if (await dismiss.CountAsync() > 0)
        {
            await dismiss.First.ClickAsync();
            await page.GetByText("Endpoint is unsecured").WaitForAsync(new() { State = WaitForSelectorState.Hidden });
        }

        // Let charts finish their entry animation before the picture is taken.
        await page.WaitForTimeoutAsync(1500);
        await page.ScreenshotAsync(new() { Path = Path.Combine(directory, name), FullPage = fullPage });
    }
}
