using System.Security.Cryptography;

namespace SmartHome.Attacker;

/// <summary>The header values a forgery needs so that it gets past the replay window and has to face the signature.</summary>
internal static class ForgeryValues
{
    public static uint RandomKeyId() => (uint)RandomNumberGenerator.GetInt32(1, int.MaxValue);

    /// <summary>A counter above anything the real sender used (forgeries must pass the replay window to face the signature).</summary>
    public static ulong FreshCounter(int i) => (1UL << 40) + (ulong)DateTime.UtcNow.Ticks / 1000 + (ulong)i;

    /// <summary>What the compromised broker knows of <paramref name="deviceId"/>'s current key id (visible in every envelope header).</summary>
    public static uint? ObservedKeyId(IEnumerable<Capture>? captures, string deviceId) =>
        captures?.Select(c => EnvelopeHeader.TryRead(c.Payload, out var h) && h.Type == 2 && h.SenderId == deviceId ? h.KeyId : (uint?)null)
            .LastOrDefault(k => k is not null);
}
