using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SmartHome.ServiceDefaults;

/// <summary>
/// The per-run control secret (<c>SmartHome:ControlSecret</c>, set by the AppHost as <c>SmartHome__ControlSecret</c>). Empty when the
/// service was started without one: it then refuses every state-changing request.
/// </summary>
public sealed class ControlOptions
{
    public const string SectionName = "SmartHome";

    /// <summary>Shortest secret accepted: anything shorter is a typo or a placeholder, not a per-run random value.</summary>
    public const int MinimumSecretLength = 16;

    public string? ControlSecret { get; set; }
}

/// <summary>
/// Who may call a service's control endpoints: only loopback clients, and for state-changing endpoints only those that send
/// <c>Authorization: Bearer &lt;control secret&gt;</c>. Pure, so the rules are unit-tested without a server.
/// </summary>
public static class ControlAccess
{
    public const string Scheme = "Bearer";

    /// <summary>Why a request is refused (status and one sentence), or null when it may proceed.</summary>
    public static (int Status, string Reason)? Check(IPAddress? remote, string? authorization, string? configuredSecret, bool requireSecret)
    {
        if (!IsLoopback(remote))
        {
            return (StatusCodes.Status403Forbidden, "Control endpoints answer only clients on this machine (loopback).");
        }

        if (!requireSecret)
        {
            return null;
        }

        if (string.IsNullOrEmpty(configuredSecret))
        {
            return (StatusCodes.Status401Unauthorized,
                "This service was started without a control secret (SmartHome:ControlSecret), so it refuses every state-changing request.");
        }

        if (authorization is null
            || !authorization.StartsWith(Scheme + " ", StringComparison.OrdinalIgnoreCase)
            || authorization.Length == Scheme.Length + 1)
        {
            return (StatusCodes.Status401Unauthorized,
                "This endpoint changes state: send 'Authorization: Bearer <control secret>' (the AppHost writes the secret to control-secret in its run directory).");
        }

        return SecretEquals(authorization[(Scheme.Length + 1)..].Trim(), configuredSecret)
            ? null
            : (StatusCodes.Status401Unauthorized, "The control secret is wrong (it changes with every AppHost run).");
    }

    /// <summary>Constant-time comparison; hashing first makes the time independent of the lengths too.</summary>
    public static bool SecretEquals(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)),
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)));

    public static bool IsLoopback(IPAddress? address) =>
        address is not null && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
}

/// <summary>Endpoint filter applying <see cref="ControlAccess.Check"/>; refuses before the handler runs, so nothing changes.</summary>
internal sealed partial class ControlAccessFilter(IOptions<ControlOptions> options, ILogger<ControlAccessFilter> logger, bool requireSecret)
    : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (ControlAccess.Check(http.Connection.RemoteIpAddress, http.Request.Headers.Authorization.ToString() is { Length: > 0 } a ? a : null,
                options.Value.ControlSecret, requireSecret) is { } refusal)
        {
            LogRefused(logger, http.Request.Method, http.Request.Path, http.Connection.RemoteIpAddress?.ToString() ?? "unknown", refusal.Status);
            if (refusal.Status == StatusCodes.Status401Unauthorized)
            {
                http.Response.Headers.WWWAuthenticate = ControlAccess.Scheme;
            }

            return Results.Json(new { error = refusal.Reason }, statusCode: refusal.Status);
        }

        return await next(context).ConfigureAwait(false);
    }

    [LoggerMessage(LogLevel.Warning, "Refused {Method} {Path} from {Remote}: {Status}")]
    private static partial void LogRefused(ILogger logger, string method, string path, string remote, int status);
}

public static class ControlAccessExtensions
{
    /// <summary>Binds and validates <see cref="ControlOptions"/> (done by AddServiceDefaults).</summary>
    public static TBuilder AddControlAccess<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<ControlOptions>()
            .Bind(builder.Configuration.GetSection(ControlOptions.SectionName))
            .Validate(o => string.IsNullOrEmpty(o.ControlSecret) || o.ControlSecret.Length >= ControlOptions.MinimumSecretLength,
                $"SmartHome:ControlSecret must be at least {ControlOptions.MinimumSecretLength} characters (or unset: then control requests are refused).")
            .ValidateOnStart();
        return builder;
    }

    /// <summary>Loopback clients only: for endpoints that reveal what the pipeline carries (decisions, state, replay window).</summary>
    public static TBuilder RequireLoopback<TBuilder>(this TBuilder endpoint)
        where TBuilder : IEndpointConventionBuilder =>
        endpoint.AddEndpointFilterFactory(Filter(requireSecret: false));

    /// <summary>Loopback clients with <c>Authorization: Bearer &lt;control secret&gt;</c>: for endpoints that change state.</summary>
    public static TBuilder RequireControlSecret<TBuilder>(this TBuilder endpoint)
        where TBuilder : IEndpointConventionBuilder =>
        endpoint.AddEndpointFilterFactory(Filter(requireSecret: true));

    private static Func<EndpointFilterFactoryContext, EndpointFilterDelegate, EndpointFilterDelegate> Filter(bool requireSecret) =>
        (factory, next) =>
        {
            var services = factory.ApplicationServices;
            var filter = new ControlAccessFilter(services.GetRequiredService<IOptions<ControlOptions>>(),
                services.GetRequiredService<ILogger<ControlAccessFilter>>(), requireSecret);
            return context => filter.InvokeAsync(context, next);
        };
}
