using SmartHome.Security;

namespace SmartHome.Messaging.Secure;

/// <summary>
/// The secure pipeline's acknowledgements: the actuator signs each with its own DSA key and counter
/// (<see cref="AckSigner"/>); a device accepts only the actuator's, on its own acknowledgement topic, fresh and once
/// (<see cref="AckVerifier"/>). A forged or replayed acknowledgement cannot make a device forget a reading.
/// </summary>
public sealed class SecureAckProtection : IAckProtection
{
    private readonly AckSigner? _signer;
    private readonly AckVerifier? _verifier;

    private SecureAckProtection(AckSigner? signer, AckVerifier? verifier)
    {
        _signer = signer;
        _verifier = verifier;
    }

    public static SecureAckProtection ForActuator(AckSigner signer) => new(signer ?? throw new ArgumentNullException(nameof(signer)), null);

    public static SecureAckProtection ForDevices(AckVerifier verifier) => new(null, verifier ?? throw new ArgumentNullException(nameof(verifier)));

    public OutboundMessage Seal(string deviceId, byte[] body)
    {
        if (_signer is null)
        {
            throw new InvalidOperationException("Only the actuator signs acknowledgements.");
        }

        var topic = Topics.Acks(deviceId);
        return new OutboundMessage(topic, _signer.Seal(topic, body));
    }

    public AckOpenResult Open(string topic, ReadOnlySpan<byte> payload)
    {
        if (_verifier is null)
        {
            throw new InvalidOperationException("The actuator does not receive acknowledgements.");
        }

        var device = Topics.TryGetAckDeviceId(topic, out var id) ? id : string.Empty;
        var verified = _verifier.Verify(topic, payload);
        if (!verified.Accepted)
        {
            return AckOpenResult.Reject(device, verified.Reason!, verified.Detail!);
        }

        return AckBody.TryDecode(verified.Body, out var entries, out var error)
            ? new AckOpenResult(device, entries, null, null)
            : AckOpenResult.Reject(device, RejectReasons.Malformed, error);
    }
}
