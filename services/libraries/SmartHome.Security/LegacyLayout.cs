using System.Text.Json;
using System.Text.Json.Nodes;

namespace SmartHome.Security;

/// <summary>
/// Moves the secrets of a keys folder written before private/{identity}/ existed (private keys next to public ones,
/// every password in broker/users.json) into their identity folders, so existing keys keep working.
/// </summary>
internal static class LegacyLayout
{
    public static void Migrate(KeyPaths paths, TextWriter? log)
    {
        Move(Path.Combine(paths.ActuatorDirectory, "rsa.key.pem"), paths.ActuatorPrivateKey, log);
        Move(Path.Combine(paths.BrokerDirectory, "ca.key.pem"), paths.BrokerCaPrivateKey, log);
        Move(Path.Combine(paths.BrokerDirectory, "server.key.pem"), paths.BrokerServerPrivateKey, log);
        Move(Path.Combine(paths.BrokerDirectory, "mosquitto.passwd"), paths.BrokerPasswordFile, log);
        if (Directory.Exists(paths.DevicesDirectory))
        {
            const string suffix = ".dsa.key.pem";
            foreach (string file in Directory.EnumerateFiles(paths.DevicesDirectory, "*" + suffix).ToList())
            {
                string id = Path.GetFileName(file)[..^suffix.Length];
                if (EnvelopeFormat.IsValidSenderId(id) && id is not ("." or ".."))
                {
                    Move(file, paths.DevicePrivateKey(id), log);
                }
            }
        }

        string users = Path.Combine(paths.BrokerDirectory, "users.json");
        if (!File.Exists(users))
        {
            return;
        }
        try
        {
            if (JsonNode.Parse(File.ReadAllText(users))?["users"] is not JsonObject accounts)
            {
                throw new KeyMaterialException(users, $"Corrupt legacy broker users file '{users}': expected {{ \"users\": {{ ... }} }}.");
            }
            foreach (var (account, value) in accounts)
            {
                if (value is JsonValue v && v.TryGetValue(out string? password) && password.Length > 0
                    && EnvelopeFormat.IsValidSenderId(account) && !File.Exists(paths.BrokerPassword(account)))
                {
                    BrokerPasswords.WritePasswordFile(paths.BrokerPassword(account), password);
                }
            }
        }
        catch (JsonException ex)
        {
            throw new KeyMaterialException(users, $"Corrupt legacy broker users file '{users}': not valid JSON.", ex);
        }
        File.Delete(users);
        log?.WriteLine($"moved the passwords of '{users}' into one file per account under '{paths.PrivateDirectory}'");
    }

    private static void Move(string from, string to, TextWriter? log)
    {
        if (!File.Exists(from) || File.Exists(to))
        {
            return;
        }
        string dir = Path.GetDirectoryName(to)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dir);
        }
        else
        {
            Directory.CreateDirectory(dir, KeyFiles.PrivateDirectoryMode);
        }
        File.Move(from, to);
        log?.WriteLine($"moved '{from}' to '{to}'");
    }
}
