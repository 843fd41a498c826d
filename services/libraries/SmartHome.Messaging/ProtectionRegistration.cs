using Microsoft.Extensions.Configuration;

namespace SmartHome.Messaging;

/// <summary>Chooses the pipeline's <see cref="IMessageProtection"/> from configuration key <c>Pipeline</c>.</summary>
public static class ProtectionRegistration
{
    public const string Insecure = "insecure";
    public const string Secure = "secure";

    /// <summary>Reads and validates <c>Pipeline</c> (insecure|secure).</summary>
    public static string GetPipeline(IConfiguration configuration)
    {
        var pipeline = configuration["Pipeline"];
        return pipeline switch
        {
            Insecure or Secure => pipeline,
            null or "" => throw new InvalidOperationException("Set the pipeline with --Pipeline insecure or --Pipeline secure."),
            _ => throw new InvalidOperationException($"Unknown pipeline '{pipeline}': use --Pipeline insecure or --Pipeline secure."),
        };
    }
}
