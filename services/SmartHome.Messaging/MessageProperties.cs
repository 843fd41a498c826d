namespace SmartHome.Messaging;

/// <summary>MQTT 5 user-property names of the lab (besides traceparent/tracestate).</summary>
public static class MessageProperties
{
    /// <summary>
    /// Correlation label an attacker puts on each attempt so the victim's decision log can be joined
    /// with the attempt. It is a label, never an input to a verdict.
    /// </summary>
    public const string AttemptId = "smarthome-attempt-id";
}
