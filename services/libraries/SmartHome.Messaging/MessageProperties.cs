namespace SmartHome.Messaging;

/// <summary>MQTT 5 user-property names of the lab (besides traceparent/tracestate).</summary>
public static class MessageProperties
{
    /// <summary>
    /// Correlation label an attacker puts on each attempt so the victim's decision log can be joined
    /// with the attempt. It is a label, never an input to a verdict.
    /// </summary>
    public const string AttemptId = "smarthome-attempt-id";

    /// <summary>
    /// Set by the sender on a publish it repeats because the first attempt was interrupted (the broker may have
    /// forwarded it already). Lets the receiver drop the second copy by message id without treating every repeated
    /// id as a redelivery. Not a security signal: a sender that lies about it only drops its own readings.
    /// </summary>
    public const string Retransmission = "smarthome-retransmission";
}
