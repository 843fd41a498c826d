using System.Buffers.Binary;
using System.Text;
using SmartHome.Security;

namespace SmartHome.Attacker;

/// <summary>The common header of a v1 envelope (docs/PROTOCOL.md), read independently of SmartHome.Security.</summary>
public readonly record struct EnvelopeHeader(byte Type, string SenderId, uint KeyId, ulong Counter, long TimestampMs, int Length)
{
    public static bool TryRead(ReadOnlySpan<byte> wire, out EnvelopeHeader header)
    {
        header = default;
        if (wire.Length < 3 || wire[0] != EnvelopeFormat.Version || wire[1] is not (1 or 2))
        {
            return false;
        }

        int idLength = wire[2];
        var length = 3 + idLength + 4 + 8 + 8;
        if (idLength is 0 or > EnvelopeFormat.MaxSenderIdLength || wire.Length < length)
        {
            return false;
        }

        header = new EnvelopeHeader(
            wire[1],
            Encoding.ASCII.GetString(wire.Slice(3, idLength)),
            BinaryPrimitives.ReadUInt32BigEndian(wire[(3 + idLength)..]),
            BinaryPrimitives.ReadUInt64BigEndian(wire[(7 + idLength)..]),
            BinaryPrimitives.ReadInt64BigEndian(wire[(15 + idLength)..]),
            length);
        return true;
    }

    public static void Rewrite(Span<byte> wire, EnvelopeHeader header, ulong counter, long timestampMs)
    {
        var idLength = header.SenderId.Length;
        BinaryPrimitives.WriteUInt64BigEndian(wire[(7 + idLength)..], counter);
        BinaryPrimitives.WriteInt64BigEndian(wire[(15 + idLength)..], timestampMs);
    }
}
