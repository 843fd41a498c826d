using System.Net;

namespace SmartHome.Console.Tests;

/// <summary>Who may press the console's controls (the console holds the control secret, so its own buttons are guarded).</summary>
public sealed class ControlPressGuardTests
{
    private readonly PageToken _token = new();

    [Fact]
    public void The_consoles_own_page_on_this_machine_may_press() =>
        Assert.Null(ControlPressGuard.Check(IPAddress.Loopback, _token.Value, "same-origin", _token));

    [Fact]
    public void A_client_that_sends_no_fetch_metadata_may_press_with_the_token() =>
        Assert.Null(ControlPressGuard.Check(IPAddress.IPv6Loopback, _token.Value, null, _token));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("guess")]
    public void A_press_without_the_pages_token_is_refused(string? token)
    {
        var refusal = ControlPressGuard.Check(IPAddress.Loopback, token, "same-origin", _token);
        Assert.Equal(403, refusal?.Status);
        Assert.Contains("reload", refusal?.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_consoles_token_does_not_open_this_one() =>
        Assert.NotNull(ControlPressGuard.Check(IPAddress.Loopback, new PageToken().Value, "same-origin", _token));

    [Theory]
    [InlineData("cross-site")]
    [InlineData("same-site")]
    public void A_press_another_site_made_the_browser_send_is_refused_even_with_the_token(string fetchSite)
    {
        var refusal = ControlPressGuard.Check(IPAddress.Loopback, _token.Value, fetchSite, _token);
        Assert.Equal(403, refusal?.Status);
        Assert.Contains("another site", refusal?.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_client_on_another_machine_is_refused_even_with_the_token()
    {
        var refusal = ControlPressGuard.Check(IPAddress.Parse("192.168.1.20"), _token.Value, "same-origin", _token);
        Assert.Equal(403, refusal?.Status);
        Assert.Contains("this machine", refusal?.Reason, StringComparison.Ordinal);
    }
}
