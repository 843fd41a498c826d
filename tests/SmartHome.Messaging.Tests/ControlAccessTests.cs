using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SmartHome.ServiceDefaults;

namespace SmartHome.Messaging.Tests;

public sealed class ControlAccessTests
{
    private const string Secret = "the-run-secret-0123456789abcdef";

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.3.4.5")]
    [InlineData("::1")]
    [InlineData("::ffff:127.0.0.1")]
    public void The_right_secret_from_loopback_passes(string remote) =>
        Assert.Null(ControlAccess.Check(IPAddress.Parse(remote), "Bearer " + Secret, Secret, requireSecret: true));

    [Theory]
    [InlineData("192.168.1.20")]
    [InlineData("10.0.0.1")]
    [InlineData("::ffff:192.168.1.20")]
    [InlineData("fe80::1")]
    public void Other_machines_are_refused_even_with_the_secret(string remote)
    {
        Assert.Equal(StatusCodes.Status403Forbidden, ControlAccess.Check(IPAddress.Parse(remote), "Bearer " + Secret, Secret, true)?.Status);
        Assert.Equal(StatusCodes.Status403Forbidden, ControlAccess.Check(IPAddress.Parse(remote), null, Secret, requireSecret: false)?.Status);
    }

    [Fact]
    public void An_unknown_remote_address_is_not_loopback() =>
        Assert.Equal(StatusCodes.Status403Forbidden, ControlAccess.Check(null, "Bearer " + Secret, Secret, true)?.Status);

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Basic " + Secret)]
    [InlineData(Secret)]
    [InlineData("Bearer wrong-secret-0123456789abcdef")]
    [InlineData("Bearer " + Secret + "x")]
    [InlineData("Bearer the-run-secret")]
    public void A_missing_or_wrong_secret_is_401_with_a_reason(string? authorization)
    {
        var refusal = ControlAccess.Check(IPAddress.Loopback, authorization, Secret, requireSecret: true);
        Assert.Equal(StatusCodes.Status401Unauthorized, refusal?.Status);
        Assert.False(string.IsNullOrWhiteSpace(refusal?.Reason));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void A_service_without_a_secret_refuses_everything_even_an_empty_bearer(string? configured)
    {
        foreach (var authorization in new[] { null, "Bearer ", "Bearer x", "Bearer " + Secret })
        {
            var refusal = ControlAccess.Check(IPAddress.Loopback, authorization, configured, requireSecret: true);
            Assert.Equal(StatusCodes.Status401Unauthorized, refusal?.Status);
            Assert.Contains("without a control secret", refusal?.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Scheme_is_case_insensitive_and_loopback_reads_need_no_secret()
    {
        Assert.Null(ControlAccess.Check(IPAddress.Loopback, "bearer " + Secret, Secret, requireSecret: true));
        Assert.Null(ControlAccess.Check(IPAddress.Loopback, null, null, requireSecret: false));
    }

    /// <summary>Through a real Kestrel: a refused request never reaches the handler (nothing changes), and /health stays open.</summary>
    [Fact]
    public async Task A_refused_request_never_runs_the_handler()
    {
        var calls = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration["SmartHome:ControlSecret"] = Secret;
        builder.AddControlAccess();
        await using var app = builder.Build();
        app.MapPost("/change", () => Interlocked.Increment(ref calls)).RequireControlSecret();
        app.MapGet("/read", () => "ok").RequireLoopback();
        app.MapGet("/health", () => "Healthy");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var http = new HttpClient { BaseAddress = new Uri(address) };

        using (var none = await http.PostAsync(new Uri("/change", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
            Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Contains("Authorization: Bearer", await none.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var wrong = new HttpRequestMessage(HttpMethod.Post, "/change"))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "wrong-secret-0123456789abcdef");
            using var response = await http.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        Assert.Equal(0, calls);
        using (var right = new HttpRequestMessage(HttpMethod.Post, "/change"))
        {
            right.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Secret);
            using var response = await http.SendAsync(right);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, calls);
        Assert.Equal("ok", await http.GetStringAsync(new Uri("/read", UriKind.Relative)));
        Assert.Equal("Healthy", await http.GetStringAsync(new Uri("/health", UriKind.Relative)));
        await app.StopAsync();
    }

    [Fact]
    public void A_short_configured_secret_fails_at_start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration["SmartHome:ControlSecret"] = "short";
        builder.AddControlAccess();
        using var app = builder.Build();
        var ex = Assert.ThrowsAny<Exception>(() => app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ControlOptions>>().Value);
        Assert.Contains("at least 16 characters", ex.Message, StringComparison.Ordinal);
    }
}
