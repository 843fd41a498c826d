using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmartHome.ServiceDefaults;

namespace SmartHome.Console.Tests;

/// <summary>
/// The console's state-changing endpoints (its real API, mapped as Program maps it, on a real Kestrel port) against the
/// requests a person must not be able to press with: from another machine, without or with a wrong page token, sent by another
/// site. Judged by the victims: the sensors, attackers and the AppHost's control surface behind the console (fakes that
/// record every request reaching them) are never called, while the same press from the console's own page does reach them.
/// No attack catalogue is involved.
/// </summary>
public sealed class ConsoleDefenceTests : IAsyncLifetime
{
    private const string Secret = "a-control-secret-of-this-run";

    /// <summary>One press of each state-changing endpoint.</summary>
    public static readonly TheoryData<string> Presses = new()
    {
        "/api/attacks?homes=insecure&attacks=inject&levels=outsider&attempts=1",
        "/api/rotate?home=secure",
        "/api/pipeline?home=insecure&role=sensor&action=stop",
    };

    private readonly Victims _victims = new();
    private WebApplication? _app;
    private int _port;

    private string Token => _app!.Services.GetRequiredService<PageToken>().Value;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        // Every interface, so a caller from this machine's non-loopback address reaches it as another machine would.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Any, 0));
        var homes = new Homes(["insecure", "secure"]);
        var options = new ConsoleOptions { PipelineControlUrl = "http://127.0.0.1:9/" };
        builder.Services.AddSingleton(homes);
        builder.Services.AddSingleton<IHttpClientFactory>(_victims);
        builder.Services.AddSingleton(Options.Create(options));
        builder.Services.AddSingleton(Options.Create(new ControlOptions { ControlSecret = Secret }));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<PageToken>();
        builder.Services.AddSingleton(new ConsoleHub());
        builder.Services.AddSingleton<AttackRunner>();
        builder.Services.AddSingleton<SensorControls>();
        builder.Services.AddSingleton<PipelineControls>();
        _app = builder.Build();
        _app.MapConsoleApi(homes, options);
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        _port = new Uri(address).Port;
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [NonLoopbackTheory]
    [MemberData(nameof(Presses))]
    public async Task A_press_from_another_machine_is_refused_and_reaches_no_service(string press)
    {
        // Any address of this machine other than loopback: the connection then comes from it, as from another host.
        var address = NonLoopbackTheoryAttribute.Address;
        Assert.NotNull(address);

        var status = await PressAsync(new Uri($"http://{address}:{_port}{press}"), Token, "same-origin");

        Assert.Equal(HttpStatusCode.Forbidden, status);
        await AssertUntouchedAsync();
    }

    [Theory]
    [MemberData(nameof(Presses))]
    public async Task A_press_without_the_page_token_is_refused_and_reaches_no_service(string press)
    {
        Assert.Equal(HttpStatusCode.Forbidden, await PressAsync(Local(press), token: null, "same-origin"));
        await AssertUntouchedAsync();
    }

    [Theory]
    [MemberData(nameof(Presses))]
    public async Task A_press_with_a_wrong_page_token_is_refused_and_reaches_no_service(string press)
    {
        Assert.Equal(HttpStatusCode.Forbidden, await PressAsync(Local(press), "not-" + Token, "same-origin"));
        await AssertUntouchedAsync();
    }

    [Theory]
    [MemberData(nameof(Presses))]
    public async Task A_press_another_site_made_the_browser_send_is_refused_and_reaches_no_service(string press)
    {
        // Even with the right token (as if it had leaked): the browser says another site sent it.
        Assert.Equal(HttpStatusCode.Forbidden, await PressAsync(Local(press), Token, "cross-site"));
        Assert.Equal(HttpStatusCode.Forbidden, await PressAsync(Local(press), Token, "same-site"));
        await AssertUntouchedAsync();
    }

    [Theory]
    [InlineData("/api/rotate?home=secure", "secure-sensor POST /rotate")]
    [InlineData("/api/pipeline?home=insecure&role=sensor&action=stop", "apphost POST /pipeline/insecure-sensor/stop")]
    public async Task The_same_press_from_the_consoles_own_page_reaches_the_service(string press, string reached)
    {
        Assert.Equal(HttpStatusCode.OK, await PressAsync(Local(press), Token, "same-origin"));

        Assert.Equal([reached], _victims.Requests);
    }

    private Uri Local(string press) => new($"http://127.0.0.1:{_port}{press}");

    private static async Task<HttpStatusCode> PressAsync(Uri url, string? token, string fetchSite)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, url);
        if (token is not null)
        {
            request.Headers.Add(PageToken.Header, token);
        }

        request.Headers.Add("Sec-Fetch-Site", fetchSite);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>No service was called, including an attack run that would have started after the answer.</summary>
    private async Task AssertUntouchedAsync()
    {
        await Task.Delay(200);
        Assert.Empty(_victims.Requests);
        Assert.False(_app!.Services.GetRequiredService<AttackRunner>().IsRunning);
    }

    /// <summary>The services behind the console: every request that reaches one is recorded and answered with success.</summary>
    private sealed class Victims : IHttpClientFactory
    {
        private readonly List<string> _requests = [];

        public IReadOnlyList<string> Requests
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        public HttpClient CreateClient(string name) =>
            new(new Recorder(this, name)) { BaseAddress = new Uri(name == PipelineControls.ClientName ? "http://127.0.0.1:9/" : $"http://{name}/") };

        private sealed class Recorder(Victims victims, string name) : HttpMessageHandler
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                lock (victims._requests)
                {
                    victims._requests.Add($"{name} {request.Method} {request.RequestUri!.AbsolutePath}");
                }

                return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") });
            }
        }
    }
}

/// <summary>
/// A theory that needs an IPv4 address of this machine other than loopback (to connect from it as another host would);
/// skipped, saying so, on a machine that has none. CI counts a skip as a failure, so there it always runs.
/// </summary>
public sealed class NonLoopbackTheoryAttribute : TheoryAttribute
{
    public NonLoopbackTheoryAttribute()
    {
        if (Address is null)
        {
            Skip = "Skipped: this machine has no non-loopback IPv4 address to connect from as another host would.";
        }
    }

    public static IPAddress? Address { get; } = NetworkInterface.GetAllNetworkInterfaces()
        .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
        .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(a => a.Address)
        .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
}
