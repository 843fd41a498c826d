using System.Text;

namespace SmartHome.Security;

/// <summary>
/// The actuator's single entry point over every suite: reads the suite from the header (v1 = seed, v2 = byte 2), refuses a
/// suite the <see cref="SuitePolicy"/> does not allow for that sender (<c>suite-not-allowed</c>, before any cryptography),
/// and hands the rest to the suite's receiver. A receiver the deployment did not build (no keys for that suite) is the same
/// refusal. Anything it cannot read a sender and suite from goes to the v1 receiver, whose rejection names what is wrong.
/// </summary>
public sealed class SuiteGate(SuitePolicy policy, EnvelopeReceiver? seed, SuiteEnvelopeReceiver? v2) : IDisposable
{
    public SuitePolicy Policy => policy;

    public EnvelopeReceiver? Seed => seed;

    public SuiteEnvelopeReceiver? V2 => v2;

    public ReceiveResult Receive(string topic, ReadOnlySpan<byte> wire)
    {
        if (wire.Length > EnvelopeFormat.MaxMessageSize)
        {
            return ReceiveResult.Reject(RejectReasons.Oversize, "message larger than 4096 bytes");
        }
        if (!TryPeek(wire, out CryptoSuite suite, out string? senderId))
        {
            return seed?.Receive(topic, wire) ?? ReceiveResult.Reject(RejectReasons.Malformed, "no sender and suite readable from the header");
        }
        if (!policy.TryGetAllowed(senderId, out var allowed))
        {
            return ReceiveResult.Reject(RejectReasons.UnknownSender, "sender id not in the directory");
        }
        if (!allowed.Contains(suite))
        {
            return ReceiveResult.Reject(RejectReasons.SuiteNotAllowed, "the device is not allowed to use this message's suite", senderId);
        }
        var result = suite == CryptoSuite.Seed ? seed?.Receive(topic, wire) : v2?.Receive(topic, wire);
        return result ?? ReceiveResult.Reject(RejectReasons.SuiteNotAllowed, "this receiver holds no keys for the message's suite", senderId);
    }

    /// <summary>Suite and sender id of a v1 or v2 header; false when neither is readable (version, suite byte, id).</summary>
    internal static bool TryPeek(ReadOnlySpan<byte> wire, out CryptoSuite suite, out string senderId)
    {
        suite = 0;
        senderId = string.Empty;
        int idOffset;
        if (wire.Length >= 3 && wire[0] == EnvelopeFormat.Version)
        {
            suite = CryptoSuite.Seed;
            idOffset = 3;
        }
        else if (wire.Length >= 4 && wire[0] == SuiteFormat.Version && wire[2] is (byte)CryptoSuite.Modern or (byte)CryptoSuite.SessionSigned)
        {
            suite = (CryptoSuite)wire[2];
            idOffset = 4;
        }
        else
        {
            return false;
        }
        int idLen = wire[idOffset - 1];
        if (idLen is 0 or > EnvelopeFormat.MaxSenderIdLength || wire.Length < idOffset + idLen)
        {
            return false;
        }
        ReadOnlySpan<byte> id = wire.Slice(idOffset, idLen);
        foreach (byte b in id)
        {
            if (!EnvelopeFormat.IsIdChar(b))
            {
                return false;
            }
        }
        senderId = Encoding.ASCII.GetString(id);
        return true;
    }

    public void Dispose()
    {
        seed?.Dispose();
        v2?.Dispose();
    }
}
