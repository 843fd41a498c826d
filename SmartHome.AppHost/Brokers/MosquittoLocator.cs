namespace SmartHome.AppHost.Brokers;

/// <summary>Finds the host's mosquitto binary (Debian installs it to /usr/sbin, often not on a user's PATH).</summary>
public static class MosquittoLocator
{
    public const string InstallHint =
        "Mosquitto is not installed: install it with `sudo apt-get install -y mosquitto` (Debian/Ubuntu) or `brew install mosquitto` (macOS), " +
        "start with --Broker:Mode=embedded (the built-in broker, same files), or --Broker:Mode=container where a container engine runs.";

    public static string? Find(string? configured)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured) ? configured : null;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        var candidates = path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/usr/local/sbin", "/opt/homebrew/sbin", "/usr/local/opt/mosquitto/sbin"]);
        foreach (var directory in candidates)
        {
            var candidate = Path.Combine(directory, OperatingSystem.IsWindows() ? "mosquitto.exe" : "mosquitto");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
