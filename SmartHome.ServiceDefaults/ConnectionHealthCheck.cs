using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SmartHome.ServiceDefaults;

/// <summary>
/// Healthy while a service's broker connection is up; degraded while its first connection is still being made (nothing
/// has failed yet: logged as a warning, so a normal start shows no error in the dashboard); unhealthy with the last
/// connection error once an attempt failed. /health answers 503 for both of the latter (see MapDefaultEndpoints).
/// </summary>
public sealed class ConnectionHealthCheck(Func<bool> isConnected, Func<string?> lastError) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (isConnected())
        {
            return Task.FromResult(HealthCheckResult.Healthy());
        }

        return Task.FromResult(lastError() is { } error
            ? HealthCheckResult.Unhealthy(error)
            : HealthCheckResult.Degraded("connecting to the broker"));
    }
}

public static class ConnectionHealthCheckExtensions
{
    /// <summary>Adds a <see cref="ConnectionHealthCheck"/> named <c>broker</c> over the connection state of service <typeparamref name="T"/>.</summary>
    public static IHealthChecksBuilder AddBrokerConnectionCheck<T>(this IHealthChecksBuilder builder, Func<T, bool> isConnected, Func<T, string?> lastError)
        where T : notnull =>
        builder.Add(new HealthCheckRegistration("broker", sp =>
        {
            var service = sp.GetRequiredService<T>();
            return new ConnectionHealthCheck(() => isConnected(service), () => lastError(service));
        }, failureStatus: null, tags: null));
}
