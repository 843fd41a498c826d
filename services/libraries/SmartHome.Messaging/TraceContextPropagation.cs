using System.Diagnostics;
using MQTTnet.Packets;
using OpenTelemetry.Context.Propagation;

namespace SmartHome.Messaging;

/// <summary>
/// Carries W3C trace context (traceparent/tracestate) in MQTT 5 user properties, so a sensor's
/// publish span and the actuator's process span are one trace. The context is telemetry only:
/// it is not authenticated and never influences a verdict.
/// </summary>
public static class TraceContextPropagation
{
    // Explicit W3C propagator: independent of whether an OpenTelemetry SDK set the global default.
    private static readonly TraceContextPropagator Propagator = new();

    public static void Inject(ActivityContext context, ICollection<MqttUserProperty> properties)
    {
        if (context == default)
        {
            return;
        }

        Propagator.Inject(new PropagationContext(context, default), properties,
            static (carrier, key, value) => carrier.Add(new MqttUserProperty(key, System.Text.Encoding.UTF8.GetBytes(value).AsMemory())));
    }

    /// <summary>The remote parent context, or default when none (or a malformed one) was sent.</summary>
    public static ActivityContext Extract(IReadOnlyCollection<MqttUserProperty>? properties)
    {
        if (properties is null || properties.Count == 0)
        {
            return default;
        }

        var propagation = Propagator.Extract(default, properties, static (carrier, key) =>
        {
            foreach (var property in carrier)
            {
                if (string.Equals(property.Name, key, StringComparison.OrdinalIgnoreCase))
                {
                    return [property.ReadValueAsString()];
                }
            }

            return [];
        });
        return propagation.ActivityContext;
    }

    /// <summary>Value of a user property, or null.</summary>
    public static string? Find(IReadOnlyCollection<MqttUserProperty>? properties, string name)
    {
        if (properties is null)
        {
            return null;
        }

        foreach (var property in properties)
        {
            if (string.Equals(property.Name, name, StringComparison.Ordinal))
            {
                return property.ReadValueAsString();
            }
        }

        return null;
    }
}
