using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using SmartHome.ServiceDefaults;

namespace SmartHome.Messaging.Tests;

/// <summary>
/// The broker health check through a real Kestrel and the services' own /health mapping: a first connection still being
/// made is "not ready" (503, so WaitFor keeps waiting) without being an error; a failed attempt is unhealthy with its
/// reason; a live connection is healthy.
/// </summary>
public sealed class BrokerHealthTests
{
    private sealed class FakeConnection
    {
        public bool Connected { get; set; }
        public string? LastError { get; set; }
    }

    [Fact]
    public async Task Health_follows_the_connection_from_connecting_to_failed_to_connected()
    {
        var connection = new FakeConnection();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(connection);
        builder.Services.AddHealthChecks().AddBrokerConnectionCheck<FakeConnection>(c => c.Connected, c => c.LastError);
        await using var app = builder.Build();
        app.MapDefaultEndpoints();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        using var http = new HttpClient { BaseAddress = new Uri(address) };

        async Task<(HttpStatusCode Status, string Body)> HealthAsync()
        {
            using var response = await http.GetAsync(new Uri(Extensions.HealthEndpointPath, UriKind.Relative));
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Degraded"), await HealthAsync());

        connection.LastError = "connection refused";
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), await HealthAsync());

        connection.Connected = true;
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await HealthAsync());
        await app.StopAsync();
    }
}
