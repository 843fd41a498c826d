using System.Security.Cryptography;
using System.Text;

namespace SmartHome.Security;

/// <summary>Reads and writes PEM key files with clear errors and private-file permissions.</summary>
public static class KeyFiles
{
    /// <summary>rw------- for private files.</summary>
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>rw-r--r-- for public files.</summary>
    public const UnixFileMode PublicMode = PrivateMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>rwx------ for the folders that hold private files.</summary>
    public const UnixFileMode PrivateDirectoryMode = PrivateMode | UnixFileMode.UserExecute;

    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
                                              | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>
    /// Takes group/other access away from a private file or folder; returns one sentence saying what was repaired
    /// (null when it was already private, missing, or on Windows).
    /// </summary>
    public static string? RestrictToOwner(string path, bool isDirectory)
    {
        if (OperatingSystem.IsWindows() || !(isDirectory ? Directory.Exists(path) : File.Exists(path)))
        {
            return null;
        }
        UnixFileMode mode = File.GetUnixFileMode(path);
        if ((mode & GroupOrOther) == 0)
        {
            return null;
        }
        UnixFileMode fixedMode = isDirectory ? PrivateDirectoryMode : PrivateMode;
        File.SetUnixFileMode(path, fixedMode);
        string what = isDirectory ? "private folder" : "private file";
        return $"{what} '{path}' was accessible to group/others (mode {Octal(mode)}); set it to {Octal(fixedMode)} " +
               "(regenerate with --force if another user may have copied it).";
    }

    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');

    /// <summary>Atomically writes <paramref name="content"/> (temp file created with the final mode, then renamed).</summary>
    public static void WriteAtomic(string path, string content, bool isPrivate)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (isPrivate && !OperatingSystem.IsWindows())
        {
            // A secret's folder is its identity's: nobody else may even list it.
            Directory.CreateDirectory(dir, PrivateDirectoryMode);
        }
        else
        {
            Directory.CreateDirectory(dir);
        }
        string tmp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Environment.ProcessId + ".tmp");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = isPrivate ? PrivateMode : PublicMode;
        }
        using (var fs = new FileStream(tmp, options))
        {
            fs.Write(Encoding.UTF8.GetBytes(content));
            fs.Flush(flushToDisk: true);
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tmp, isPrivate ? PrivateMode : PublicMode);
        }
        File.Move(tmp, path, overwrite: true);
    }

    internal static string ReadText(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (FileNotFoundException ex)
        {
            throw new KeyMaterialException(path, $"Missing {what} file '{path}'; run SmartHome.KeyGen to create it.", ex);
        }
        catch (DirectoryNotFoundException ex)
        {
            throw new KeyMaterialException(path, $"Missing {what} file '{path}'; run SmartHome.KeyGen to create it.", ex);
        }
        catch (IOException ex)
        {
            throw new KeyMaterialException(path, $"Cannot read {what} file '{path}': {ex.Message}", ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new KeyMaterialException(path, $"No permission to read {what} file '{path}'.", ex);
        }
    }

    /// <summary>Loads an RSA key (public or PKCS#8 private PEM).</summary>
    public static RSA LoadRsa(string path, bool requirePrivate)
    {
        string what = requirePrivate ? "RSA private key" : "RSA public key";
        string pem = ReadText(path, what);
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
            if (requirePrivate)
            {
                // Throws if there is no private part.
                rsa.ExportParameters(true);
            }
            KeyChecks.RequireRsa(rsa, nameof(path));
            return rsa;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            rsa.Dispose();
            throw new KeyMaterialException(path, $"Corrupt {what} file '{path}': not a readable PEM {what} of 2048..4096 bits.", ex);
        }
    }

    /// <summary>Loads a DSA-2048 key (public or PKCS#8 private PEM).</summary>
    public static DSA LoadDsa(string path, bool requirePrivate)
    {
        string what = requirePrivate ? "DSA private key" : "DSA public key";
        string pem = ReadText(path, what);
        var dsa = DSA.Create();
        try
        {
            dsa.ImportFromPem(pem);
            if (requirePrivate)
            {
                dsa.ExportParameters(true);
            }
            KeyChecks.RequireDsa2048(dsa, nameof(path));
            return dsa;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            dsa.Dispose();
            throw new KeyMaterialException(path, $"Corrupt {what} file '{path}': not a readable PEM DSA-2048 key.", ex);
        }
    }

    /// <summary>Loads an X25519 private key (PKCS#8 PEM, <c>BEGIN PRIVATE KEY</c>).</summary>
    public static NSec.Cryptography.Key LoadX25519Private(string path) =>
        LoadNSecPrivate(path, NSec.Cryptography.KeyAgreementAlgorithm.X25519, "X25519 private key");

    public static NSec.Cryptography.PublicKey LoadX25519Public(string path) =>
        LoadNSecPublic(path, NSec.Cryptography.KeyAgreementAlgorithm.X25519, "X25519 public key");

    public static NSec.Cryptography.Key LoadEd25519Private(string path) =>
        LoadNSecPrivate(path, NSec.Cryptography.SignatureAlgorithm.Ed25519, "Ed25519 private key");

    public static NSec.Cryptography.PublicKey LoadEd25519Public(string path) =>
        LoadNSecPublic(path, NSec.Cryptography.SignatureAlgorithm.Ed25519, "Ed25519 public key");

    /// <summary>PKCS#8 PEM of a new key pair's private half (RFC 8410, what openssl writes), and SPKI PEM of its public half.</summary>
    public static (string PrivatePem, string PublicPem) NewNSecPair(NSec.Cryptography.Algorithm algorithm)
    {
        using var key = NSec.Cryptography.Key.Create(algorithm,
            new NSec.Cryptography.KeyCreationParameters { ExportPolicy = NSec.Cryptography.KeyExportPolicies.AllowPlaintextExport });
        // NSec writes CRLF; every other PEM here (and openssl's) is LF.
        return (Encoding.ASCII.GetString(key.Export(NSec.Cryptography.KeyBlobFormat.PkixPrivateKeyText)).ReplaceLineEndings("\n"),
            Encoding.ASCII.GetString(key.PublicKey.Export(NSec.Cryptography.KeyBlobFormat.PkixPublicKeyText)).ReplaceLineEndings("\n"));
    }

    private static NSec.Cryptography.Key LoadNSecPrivate(string path, NSec.Cryptography.Algorithm algorithm, string what)
    {
        byte[] pem = Encoding.ASCII.GetBytes(ReadText(path, what));
        // Exportable so KeyGen can check a kept pair matches; the key never leaves its owner's process anyway.
        var parameters = new NSec.Cryptography.KeyCreationParameters { ExportPolicy = NSec.Cryptography.KeyExportPolicies.AllowPlaintextExport };
        if (NSec.Cryptography.Key.TryImport(algorithm, pem, NSec.Cryptography.KeyBlobFormat.PkixPrivateKeyText, out var key, in parameters) && key is not null)
        {
            return key;
        }
        throw new KeyMaterialException(path, $"Corrupt {what} file '{path}': not a readable PKCS#8 PEM {what}.");
    }

    private static NSec.Cryptography.PublicKey LoadNSecPublic(string path, NSec.Cryptography.Algorithm algorithm, string what)
    {
        byte[] pem = Encoding.ASCII.GetBytes(ReadText(path, what));
        if (NSec.Cryptography.PublicKey.TryImport(algorithm, pem, NSec.Cryptography.KeyBlobFormat.PkixPublicKeyText, out var key) && key is not null)
        {
            return key;
        }
        throw new KeyMaterialException(path, $"Corrupt {what} file '{path}': not a readable SPKI PEM {what}.");
    }
}
