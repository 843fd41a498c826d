namespace SmartHome.Messaging;

/// <summary>
/// The insecure pipeline: readings travel as plain JSON and the only identity is the topic.
/// Anyone who can reach the broker can read, forge, alter and replay them — by design.
/// </summary>
public sealed class PlaintextProtection : IMessageProtection
{
    /// <summary>Upper bound on a plaintext message; larger payloads are refused before parsing.</summary>
    public const int MaxPayloadBytes = DeviceReading.MaxSerializedBytes;

    public string Mode => "plaintext";

    public IReadOnlyList<string> SubscriptionFilters { get; } = [Topics.ReadingsFilter];

    public IReadOnlyList<OutboundMessage> Protect(string deviceId, ReadOnlySpan<byte> reading) =>
        [new OutboundMessage(Topics.Readings(deviceId), reading.ToArray())];

    /// <summary>Plaintext has no sessions: nothing to renew.</summary>
    public void RenewSessionAtNextSend(string deviceId)
    {
    }

    public InboundVerdict Unprotect(string topic, ReadOnlySpan<byte> payload)
    {
        if (!Topics.IsReadingTopic(topic) || !Topics.TryGetDeviceId(topic, out var sender))
        {
            return InboundVerdict.Rejected(string.Empty, RejectReasons.UnexpectedTopic, $"not a reading topic: {Truncate(topic)}");
        }

        if (payload.Length > MaxPayloadBytes)
        {
            return InboundVerdict.Rejected(sender, RejectReasons.Oversize, $"{payload.Length} bytes > {MaxPayloadBytes}");
        }

        return InboundVerdict.Data(sender, payload.ToArray());
    }

    internal static string Truncate(string value) => value.Length <= 80 ? value : value[..80] + "…";
}
