using System.Security.Cryptography;

namespace SmartHome.Attacker;

/// <summary>
/// A session key the insider announced for the stolen identity, and the counters it used under it. Its counters start
/// above anything the real device used, so they pass the replay window — which is also why the real plug-garage's next
/// readings fall below it: whoever holds a device's key can jam that device.
/// </summary>
internal sealed class InsiderSession(uint keyId, byte[] salt, byte[] key, ulong firstCounter)
{
    private ulong _next = firstCounter;

    public uint KeyId { get; } = keyId;

    public byte[] Salt { get; } = salt;

    public byte[] Key { get; } = key;

    public ulong NextCounter() => Interlocked.Increment(ref _next) - 1;

    public byte[] Seal(byte[] plaintext, string topic, DSA signer) =>
        EnvelopeForge.Data(AttackerIdentities.InsiderDevice, KeyId, NextCounter(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Salt, Key,
            plaintext, signer, topic);
}
