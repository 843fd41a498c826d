using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SmartHome.AppHost;

/// <summary>
/// The per-run secret of the services' state-changing HTTP endpoints (POST /publish, /rotate, /campaign..., /flood). Generated
/// for every AppHost run unless <c>SmartHome:ControlSecret</c> is configured; a secret parameter resource (the dashboard shows it
/// masked), handed to the services that serve or call those endpoints as <c>SmartHome__ControlSecret</c>, and written to
/// <c>{run directory}/control-secret</c> (mode 0600) for callers outside the AppHost (the report's --attach, curl).
/// </summary>
public static partial class ControlSecret
{
    public const string ParameterName = "control-secret";
    public const string ConfigurationKey = "SmartHome:ControlSecret";
    public const string EnvironmentVariable = "SmartHome__ControlSecret";
    public const string FileName = "control-secret";

    /// <summary>Same bound as the services' ControlOptions validation.</summary>
    private const int MinimumLength = 16;

    /// <summary>Why a configured secret cannot be used (one sentence), or null.</summary>
    public static string? Problem(IConfiguration configuration) =>
        configuration[ConfigurationKey] is { Length: > 0 and < MinimumLength }
            ? $"{ConfigurationKey} must be at least {MinimumLength} characters; leave it unset to get a random one per run."
            : null;

    /// <summary>Adds the secret parameter and writes the secret file when the app starts (not when it is only published).</summary>
    public static IResourceBuilder<ParameterResource> AddControlSecret(this IDistributedApplicationBuilder builder, AppHostSettings settings)
    {
        var value = builder.Configuration[ConfigurationKey] is { Length: > 0 } configured
            ? configured
            : System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var parameter = builder.AddParameter(ParameterName, value, publishValueAsDefault: false, secret: true);
        var path = Path.Combine(settings.RunDirectory, FileName);
        builder.Eventing.Subscribe<BeforeStartEvent>((evt, _) =>
        {
            Write(path, value);
            var logger = evt.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ControlSecret).FullName!);
            LogWritten(logger, path);
            // A dead run's secret opens nothing, and it goes with the run directory when the app stops (RunDirectoryCleanup).
            return Task.CompletedTask;
        });
        return parameter;
    }

    /// <summary>Gives the service the secret as <c>SmartHome__ControlSecret</c>; needs <see cref="AddControlSecret"/> first.</summary>
    public static IResourceBuilder<T> WithControlSecret<T>(this IResourceBuilder<T> service)
        where T : IResourceWithEnvironment
    {
        var parameter = service.ApplicationBuilder.Resources.OfType<ParameterResource>().FirstOrDefault(p => p.Name == ParameterName)
                        ?? throw new InvalidOperationException($"Call AddControlSecret before WithControlSecret on {service.Resource.Name}.");
        return service.WithEnvironment(EnvironmentVariable, parameter);
    }

    /// <summary>The running app's secret, for the AppHost's own commands and for in-process hosts (tests, the report).</summary>
    public static async Task<string> GetAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var model = services.GetRequiredService<DistributedApplicationModel>();
        var parameter = model.Resources.OfType<ParameterResource>().FirstOrDefault(p => p.Name == ParameterName)
                        ?? throw new InvalidOperationException($"The app has no {ParameterName} parameter.");
        return await parameter.GetValueAsync(cancellationToken).ConfigureAwait(false)
               ?? throw new InvalidOperationException($"The {ParameterName} parameter has no value.");
    }

    private static void Write(string path, string value)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // A left-over file (pid reuse) would keep its old mode: the create mode applies only to a new file.
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            // Only this user may read it: it opens the state-changing endpoints of every service of this run.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var stream = new FileStream(path, options);
        using var writer = new StreamWriter(stream);
        writer.Write(value);
    }

    [LoggerMessage(LogLevel.Information, "Control secret of this run (for POST /publish, /rotate, /campaign, /flood by hand or report --attach): {Path}")]
    private static partial void LogWritten(ILogger logger, string path);
}
