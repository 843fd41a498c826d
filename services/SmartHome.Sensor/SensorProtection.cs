using SmartHome.Messaging;

namespace SmartHome.Sensor;

/// <summary>The sensor side of the pipeline seam.</summary>
internal static class SensorProtection
{
    public static IMessageProtection Create(string pipeline, IServiceProvider services) => pipeline switch
    {
        ProtectionRegistration.Insecure => new PlaintextProtection(),
        _ => throw new InvalidOperationException($"The {pipeline} pipeline's protection is not available in this build."),
    };
}
