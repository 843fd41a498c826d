using SmartHome.Security;

namespace SmartHome.EmbeddedBroker;

/// <summary>Mosquitto 2.0's password file (<c>user:$7$...</c> lines), checked with <see cref="BrokerPasswords.VerifyMosquittoLine"/>.</summary>
public sealed class PasswordFile
{
    // Unknown users are checked against this line too, so a wrong user name costs the same PBKDF2 time as a wrong password.
    private static readonly string Decoy = BrokerPasswords.MosquittoLine("decoy", BrokerPasswords.NewPassword());

    private readonly Dictionary<string, string> _lines;

    private PasswordFile(Dictionary<string, string> lines) => _lines = lines;

    public int Count => _lines.Count;

    public static PasswordFile Load(string path) => Parse(File.ReadAllLines(path));

    public static PasswordFile Parse(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in lines)
        {
            var line = raw.Trim();
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (line.Length == 0 || line[0] == '#' || colon <= 0)
            {
                continue;
            }

            result[line[..colon]] = line;
        }

        return new PasswordFile(result);
    }

    public bool Verify(string user, string? password)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (_lines.TryGetValue(user, out var line))
        {
            return password is not null && BrokerPasswords.VerifyMosquittoLine(line, user, password);
        }

        _ = BrokerPasswords.VerifyMosquittoLine(Decoy, "decoy", password ?? string.Empty);
        return false;
    }
}
