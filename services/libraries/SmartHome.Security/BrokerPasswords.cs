using System.Security.Cryptography;
using System.Text;

namespace SmartHome.Security;

/// <summary>Broker user passwords: generation, one private password file per account, and Mosquitto 2.0's hashed password file.</summary>
public static class BrokerPasswords
{
    /// <summary>Mosquitto 2.0 (<c>mosquitto_passwd</c>) parameters: PBKDF2-HMAC-SHA512, 101 iterations, 12-byte salt, 64-byte hash.</summary>
    public const int MosquittoIterations = 101;
    public const int MosquittoSaltSize = 12;
    public const int MosquittoHashSize = 64;
    public const int PasswordLength = 24;

    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

    /// <summary>A random 24-character password (uniform over a 57-character unambiguous alphabet, ~140 bits).</summary>
    public static string NewPassword() => RandomNumberGenerator.GetString(Alphabet, PasswordLength);

    /// <summary>One password-file line: <c>user:$7$101$base64(salt)$base64(PBKDF2-HMAC-SHA512(password, salt, 101, 64))</c>.</summary>
    public static string MosquittoLine(string user, string password, ReadOnlySpan<byte> salt = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(user);
        ArgumentNullException.ThrowIfNull(password);
        if (user.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("User names cannot contain ':'.", nameof(user));
        }
        Span<byte> s = stackalloc byte[MosquittoSaltSize];
        if (salt.IsEmpty)
        {
            RandomNumberGenerator.Fill(s);
        }
        else if (salt.Length == MosquittoSaltSize)
        {
            salt.CopyTo(s);
        }
        else
        {
            throw new ArgumentException("Salt must be 12 bytes.", nameof(salt));
        }
        byte[] hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), s, MosquittoIterations, HashAlgorithmName.SHA512, MosquittoHashSize);
        return $"{user}:$7${MosquittoIterations}${Convert.ToBase64String(s)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>Checks a password against one Mosquitto <c>$7$</c> line (constant-time hash comparison).</summary>
    public static bool VerifyMosquittoLine(string line, string user, string password)
    {
        ArgumentNullException.ThrowIfNull(line);
        string[] parts = line.Trim().Split(':', 2);
        if (parts.Length != 2 || !string.Equals(parts[0], user, StringComparison.Ordinal))
        {
            return false;
        }
        string[] f = parts[1].Split('$');
        // "", "7", iterations, salt, hash
        if (f.Length != 5 || f[1] != "7" || !int.TryParse(f[2], out int iterations) || iterations < 1)
        {
            return false;
        }
        try
        {
            byte[] salt = Convert.FromBase64String(f[3]);
            byte[] expected = Convert.FromBase64String(f[4]);
            byte[] actual = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, expected.Length);
            return CryptographicOperations.FixedTimeEquals(actual, expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Reads one account's password file (<see cref="KeyPaths.BrokerPassword"/>): the password on one line.</summary>
    public static string ReadPasswordFile(string path)
    {
        string password = KeyFiles.ReadText(path, "broker password").Trim();
        return password.Length > 0 && !password.Contains('\n', StringComparison.Ordinal)
            ? password
            : throw new KeyMaterialException(path, $"Corrupt broker password file '{path}': expected the password on one line.");
    }

    /// <summary>Writes one account's password file (mode 0600, in its identity folder).</summary>
    public static void WritePasswordFile(string path, string password)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        KeyFiles.WriteAtomic(path, password + "\n", isPrivate: true);
    }

    /// <summary>Writes a Mosquitto password file for all users (mode 0600; fresh salts).</summary>
    public static void WriteMosquittoFile(string path, IReadOnlyDictionary<string, string> users)
    {
        ArgumentNullException.ThrowIfNull(users);
        var sb = new StringBuilder();
        foreach (var (name, pw) in users.OrderBy(u => u.Key, StringComparer.Ordinal))
        {
            sb.Append(MosquittoLine(name, pw)).Append('\n');
        }
        KeyFiles.WriteAtomic(path, sb.ToString(), isPrivate: true);
    }
}
