namespace SmartHome.Messaging.Tests.InteropRig;

/// <summary>One message a third-party sender sealed: the topic to publish it on and its bytes.</summary>
public sealed record SealedMessage(string Topic, byte[] Bytes)
{
    /// <summary>A copy with byte <paramref name="offset"/> replaced by <paramref name="value"/>, as a tampering broker would send it.</summary>
    public SealedMessage WithByte(int offset, byte value)
    {
        var bytes = (byte[])Bytes.Clone();
        bytes[offset] = value;
        return this with { Bytes = bytes };
    }
}
