using SmartHome.Security;

namespace SmartHome.Messaging.Secure;

/// <summary>
/// The secure pipeline's acknowledgements: the actuator signs each with its own key and counter (<see cref="AckSigner"/>)
/// in the device's suite (v1 DSA for seed, v2 Ed25519 for a v2 suite); a device accepts only the actuator's, in its own
/// suite, on its own acknowledgement topic, fresh and once (<see cref="AckVerifier"/>). A forged, replayed or downgraded
/// acknowledgement cannot make a device forget a reading.
/// </summary>
public sealed class SecureAckProtection : IAckProtection
{
    private readonly Func<string, AckSigner>? _signerFor;
    private readonly IReadOnlyDictionary<string, AckVerifier>? _verifiers;
    private readonly AckVerifier? _anyDevice;

    private SecureAckProtection(Func<string, AckSigner>? signerFor, IReadOnlyDictionary<string, AckVerifier>? verifiers, AckVerifier? anyDevice)
    {
        _signerFor = signerFor;
        _verifiers = verifiers;
        _anyDevice = anyDevice;
    }

    /// <summary>One signer for every device (one suite).</summary>
    public static SecureAckProtection ForActuator(AckSigner signer)
    {
        ArgumentNullException.ThrowIfNull(signer);
        return new(_ => signer, null, null);
    }

    /// <summary>Each device acknowledged by the signer of its suite (<see cref="SenderSuites.Chooser"/>).</summary>
    public static SecureAckProtection ForActuator(Func<string, AckSigner> signerFor) =>
        new(signerFor ?? throw new ArgumentNullException(nameof(signerFor)), null, null);

    /// <summary>One verifier for every device this process speaks for (one suite).</summary>
    public static SecureAckProtection ForDevices(AckVerifier verifier) =>
        new(null, null, verifier ?? throw new ArgumentNullException(nameof(verifier)));

    /// <summary>Each device's acknowledgements checked by the verifier of its suite; a device not listed gets none.</summary>
    public static SecureAckProtection ForDevices(IReadOnlyDictionary<string, AckVerifier> verifierByDevice) =>
        new(null, verifierByDevice ?? throw new ArgumentNullException(nameof(verifierByDevice)), null);

    public OutboundMessage Seal(string deviceId, byte[] body)
    {
        if (_signerFor is null)
        {
            throw new InvalidOperationException("Only the actuator signs acknowledgements.");
        }

        var topic = Topics.Acks(deviceId);
        return new OutboundMessage(topic, _signerFor(deviceId).Seal(topic, body));
    }

    public AckOpenResult Open(string topic, ReadOnlySpan<byte> payload)
    {
        if (_verifiers is null && _anyDevice is null)
        {
            throw new InvalidOperationException("The actuator does not receive acknowledgements.");
        }

        var device = Topics.TryGetAckDeviceId(topic, out var id) ? id : string.Empty;
        var verifier = _anyDevice ?? _verifiers!.GetValueOrDefault(device);
        if (verifier is null)
        {
            return AckOpenResult.Reject(device, SmartHome.Security.RejectReasons.WrongTopic, "not an acknowledgement topic of this device");
        }

        var verified = verifier.Verify(topic, payload);
        if (!verified.Accepted)
        {
            return AckOpenResult.Reject(device, verified.Reason!, verified.Detail!);
        }

        return AckBody.TryDecode(verified.Body, out var entries, out var error)
            ? new AckOpenResult(device, entries, null, null)
            : AckOpenResult.Reject(device, RejectReasons.Malformed, error);
    }
}
