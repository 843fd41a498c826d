using System.Globalization;
using SmartHome.Security;

// SmartHome.KeyGen [--keys DIR] [--force] [--fleet N]
// Exit codes: 0 ok, 1 key material problem (one sentence on stderr), 2 usage.
string? keysDir = null;
bool force = false;
int fleet = 0;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--keys" when i + 1 < args.Length:
            keysDir = args[++i];
            break;
        case "--force":
            force = true;
            break;
        case "--fleet" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n <= 9999:
            fleet = n;
            i++;
            break;
        case "-h" or "--help":
            Console.WriteLine("usage: SmartHome.KeyGen [--keys DIR] [--force] [--fleet N]   (see keys/README.md)");
            return 0;
        default:
            await Console.Error.WriteLineAsync($"Unknown or incomplete argument '{args[i]}'; usage: SmartHome.KeyGen [--keys DIR] [--force] [--fleet N (0..9999)].");
            return 2;
    }
}

var paths = new KeyPaths(keysDir ?? KeyPaths.FindDefaultRoot());
try
{
    Console.WriteLine($"keys folder: {paths.Root}{(force ? " (--force: regenerating everything)" : string.Empty)}");
    KeyGenReport report = KeyMaterialGenerator.Generate(paths, new KeyGenOptions { Force = force, Fleet = fleet, Log = Console.Out });
    // Loose permissions are repaired, not refused: the lab keeps running, and the warning says what was exposed.
    foreach (string repaired in report.Repaired)
    {
        await Console.Error.WriteLineAsync("warning: " + repaired);
    }
    Console.WriteLine($"created {report.Created.Count} files, kept {report.Kept.Count} existing files, total {report.Total.TotalMilliseconds:F0} ms");
    if (report.FleetKeysGenerated > 0)
    {
        Console.WriteLine($"fleet: {report.FleetKeysGenerated} DSA-2048 keys in {report.FleetKeyGen.TotalSeconds:F1} s ({report.FleetKeyGen.TotalMilliseconds / report.FleetKeysGenerated:F0} ms per key wall-clock)");
    }
    return 0;
}
catch (KeyMaterialException ex)
{
    await Console.Error.WriteLineAsync(ex.Message);
    return 1;
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
{
    await Console.Error.WriteLineAsync($"Cannot write key material under '{paths.Root}': {ex.Message}");
    return 1;
}
