namespace SmartHome.Security;

/// <summary>
/// The payload-protection designs a deployment can run (docs/PROTOCOL.md, "Crypto suites"). The byte value is the
/// suite's id on the wire: v2 messages carry it in byte 2; a v1 message (version byte 0x01) is always <see cref="Seed"/>.
/// </summary>
public enum CryptoSuite : byte
{
    /// <summary>The seed's design, protocol v1 bytes unchanged: RSA-2048-OAEP key transport, AES-256-GCM, DSA-2048 on every message.</summary>
    Seed = 0x01,
    /// <summary>v2: ephemeral-static X25519 per session, HKDF-SHA256, AES-256-GCM, Ed25519 on every message (the announcement too).</summary>
    Modern = 0x02,
    /// <summary>v2: as <see cref="Modern"/>, but only the key announcement is signed; data is authenticated by AES-GCM alone.</summary>
    SessionSigned = 0x03,
}

/// <summary>Suite names as written in configuration (<c>Security:Suite</c>) and in the device registry.</summary>
public static class CryptoSuites
{
    public const string SeedName = "seed";
    public const string ModernName = "modern";
    public const string SessionSignedName = "session-signed";

    /// <summary>The deployment default: the seed's design.</summary>
    public const CryptoSuite Default = CryptoSuite.Seed;

    public static IReadOnlyList<CryptoSuite> All { get; } = [CryptoSuite.Seed, CryptoSuite.Modern, CryptoSuite.SessionSigned];

    /// <summary>Every valid name, for error messages.</summary>
    public static IReadOnlyList<string> Names { get; } = [SeedName, ModernName, SessionSignedName];

    public static string Name(this CryptoSuite suite) => suite switch
    {
        CryptoSuite.Seed => SeedName,
        CryptoSuite.Modern => ModernName,
        CryptoSuite.SessionSigned => SessionSignedName,
        _ => throw new ArgumentOutOfRangeException(nameof(suite), suite, "Not a crypto suite."),
    };

    /// <summary>Parses a suite name (ordinal, lower case only: the same string everywhere).</summary>
    public static bool TryParse(string? name, out CryptoSuite suite)
    {
        suite = name switch
        {
            SeedName => CryptoSuite.Seed,
            ModernName => CryptoSuite.Modern,
            SessionSignedName => CryptoSuite.SessionSigned,
            _ => 0,
        };
        return suite != 0;
    }

    /// <summary>Parses a configured suite name; anything else is an <see cref="ArgumentException"/> listing the valid names.</summary>
    public static CryptoSuite Parse(string? name, string setting = "Security:Suite") =>
        TryParse(name, out var suite)
            ? suite
            : throw new ArgumentException($"{setting} is '{name}', not one of {string.Join(", ", Names)}.", nameof(name));

    /// <summary>True for a byte that names a suite on the wire.</summary>
    public static bool IsDefined(byte id) => id is (byte)CryptoSuite.Seed or (byte)CryptoSuite.Modern or (byte)CryptoSuite.SessionSigned;
}
