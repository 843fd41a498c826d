using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Serilog;
using Serilog.Formatting.Compact;
using SmartHome.Contracts;

namespace SmartHome.ServiceDefaults;

/// <summary>Wiring every SmartHome service shares: telemetry, health, file logs.</summary>
public static class Extensions
{
    public const string HealthEndpointPath = "/health";
    public const string AlivenessEndpointPath = "/alive";
    public const string ProcessEndpointPath = "/process";

    /// <summary>
    /// Adds OpenTelemetry (exported to the Aspire dashboard when OTEL_EXPORTER_OTLP_ENDPOINT is set),
    /// default health checks and a rotating structured log file named after pipeline and role.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder, string role)
        where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddFileLogging(role);
        builder.AddControlAccess();
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);
        builder.Services.AddHostedService<AppHostWatchdog>();
        return builder;
    }

    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(SmartHomeTelemetry.Name))
            .WithTracing(tracing => tracing
                .AddSource(SmartHomeTelemetry.Name)
                .AddAspNetCoreInstrumentation(options =>
                    // Health probes every few seconds would drown the pipeline's own spans.
                    options.Filter = context =>
                        !context.Request.Path.StartsWithSegments(HealthEndpointPath)
                        && !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                .AddHttpClientInstrumentation());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>
    /// Writes compact JSON log events to <c>{SmartHome:LogDirectory}/{pipeline}-{role}.log</c>,
    /// rolling at 10 MB and keeping 5 files, beside the OpenTelemetry log export.
    /// </summary>
    public static TBuilder AddFileLogging<TBuilder>(this TBuilder builder, string role)
        where TBuilder : IHostApplicationBuilder
    {
        var directory = builder.Configuration["SmartHome:LogDirectory"];
        if (string.IsNullOrWhiteSpace(directory))
        {
            directory = Path.Combine(Directory.GetCurrentDirectory(), "logs");
        }

        var pipeline = builder.Configuration["Pipeline"] ?? "standalone";
        var path = Path.Combine(directory, $"{pipeline}-{role}.log");
        var logger = new LoggerConfiguration()
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft", Serilog.Events.LogEventLevel.Warning)
            .MinimumLevel.Override("System", Serilog.Events.LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("pipeline", pipeline)
            .Enrich.WithProperty("role", role)
            .WriteTo.File(new CompactJsonFormatter(), path,
                fileSizeLimitBytes: 10 * 1024 * 1024, rollOnFileSizeLimit: true,
                retainedFileCountLimit: 5, shared: false,
                flushToDiskInterval: TimeSpan.FromSeconds(1))
            .CreateLogger();
        builder.Logging.AddSerilog(logger, dispose: true);
        return builder;
    }

    /// <summary>Maps <c>/health</c> (all checks) and <c>/alive</c> (liveness only), open to any caller, and <c>/process</c> (loopback only).</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        // Degraded (a broker connection still being made) is not ready: 503, so Aspire's WaitFor keeps waiting.
        app.MapHealthChecks(HealthEndpointPath, new HealthCheckOptions
        {
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains("live"),
        });
        // CPU time and memory of this process, for the report's CPU-per-message and memory figures.
        app.MapGet(ProcessEndpointPath, () =>
        {
            using var self = System.Diagnostics.Process.GetCurrentProcess();
            return Results.Ok(new ProcessStats(
                self.TotalProcessorTime.TotalMilliseconds,
                self.WorkingSet64,
                self.PeakWorkingSet64,
                GC.GetTotalMemory(forceFullCollection: false),
                Environment.ProcessId,
                GC.GetTotalPauseDuration().TotalMilliseconds,
                GC.CollectionCount(0),
                GC.CollectionCount(1),
                GC.CollectionCount(2)));
        }).RequireLoopback();
        return app;
    }
}

