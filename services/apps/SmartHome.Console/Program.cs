using Microsoft.Extensions.Options;
using SmartHome.Console;
using SmartHome.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("console");

ConsoleOptions options;
try
{
    options = builder.AddValidatedOptions<ConsoleOptions>(ConsoleOptions.SectionName);
}
catch (OptionsValidationException ex)
{
    Console.Error.WriteLine("The home console cannot start: " + ex.Sentences());
    return 1;
}

var homes = Homes.FromConfiguration(builder.Configuration);
if (homes.Pipelines.Count == 0)
{
    Console.Error.WriteLine("The home console cannot start: no home to show. Reference insecure-actuator or secure-actuator from the AppHost.");
    return 2;
}

// Every service of every home, by its resource name; Aspire service discovery resolves http://{pipeline}-{role}.
builder.Services.AddServiceDiscovery();
foreach (var pipeline in homes.Pipelines)
{
    foreach (var role in Homes.Roles)
    {
        builder.Services.AddHttpClient(Homes.ClientName(pipeline, role), client =>
        {
            client.BaseAddress = new Uri($"http://{Homes.ResourceName(pipeline, role)}");
            // The actuator's stream stays open for as long as the console runs; the other calls set their own bounds.
            client.Timeout = Timeout.InfiniteTimeSpan;
        }).AddServiceDiscovery();
    }
}

builder.Services.AddSingleton(homes);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<PageToken>();
builder.Services.AddSingleton(sp => new ConsoleHub(sp.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping));
builder.Services.AddSingleton<AttackRunner>();
builder.Services.AddSingleton<SensorControls>();
builder.Services.AddSingleton<PipelineControls>();
builder.Services.AddHostedService<ActuatorRelay>();
builder.Services.AddHostedService<PipelineStateRelay>();
if (options.PipelineControl is { } pipelineControl)
{
    // The AppHost's own loopback surface (not a resource): the stop/start commands and the resources' states.
    builder.Services.AddHttpClient(PipelineControls.ClientName, client =>
    {
        client.BaseAddress = pipelineControl;
        client.Timeout = Timeout.InfiniteTimeSpan;
    });
}

var app = builder.Build();
app.MapDefaultEndpoints();

// Everything the page loads comes from here: the policy makes the browser refuse anything else (and framing by other sites).
app.Use((context, next) =>
{
    context.Response.Headers.ContentSecurityPolicy =
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'none'";
    context.Response.Headers.XContentTypeOptions = "nosniff";
    context.Response.Headers["Referrer-Policy"] = "no-referrer";
    return next(context);
});
app.UseDefaultFiles();
app.UseStaticFiles();

app.MapConsoleApi(homes, options);

app.Run();
return 0;
