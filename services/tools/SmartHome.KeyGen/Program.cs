using System.CommandLine;
using SmartHome.Security;
using SmartHome.Tools;

// SmartHome.KeyGen [--keys DIR] [--force] [--fleet N]   (see keys/README.md)
// Exit codes: 0 ok, 1 key material problem (one sentence on stderr), 2 usage.
var keysOption = new Option<DirectoryInfo?>("--keys")
{
    Description = "The keys folder to fill (default: keys/ of the repository this runs from).",
};
var forceOption = new Option<bool>("--force") { Description = "Regenerate everything, replacing existing keys." };
var fleetOption = new Option<int>("--fleet")
{
    Description = "Also generate N fleet devices (fleet-0001..), 0..9999, for the fleet benchmark.",
    DefaultValueFactory = _ => 0,
    // Parsed here, not in a validator: a validator that reads a value the parser could not convert throws.
    CustomParser = result =>
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n <= 9999)
        {
            return n;
        }

        result.AddError($"--fleet must be a whole number 0..9999 (is '{text}').");
        return 0;
    },
};

var root = new RootCommand("Generates the secure pipeline's key material into keys/: the actuator's RSA and signing keys, one DSA key per " +
                           "device, the broker's CA and server certificate, and one broker password per account. Existing keys are kept.")
{
    keysOption,
    forceOption,
    fleetOption,
};
root.SetAction(parse => Generate(parse.GetValue(keysOption), parse.GetValue(forceOption), parse.GetValue(fleetOption)));

var parsed = root.Parse(args);
if (UsageErrors.Reported(parsed))
{
    return UsageErrors.ExitCode;
}

return await parsed.InvokeAsync();

static int Generate(DirectoryInfo? keysDirectory, bool force, int fleet)
{
    var paths = new KeyPaths(keysDirectory?.FullName ?? KeyPaths.FindDefaultRoot());
    try
    {
        Console.WriteLine($"keys folder: {paths.Root}{(force ? " (--force: regenerating everything)" : string.Empty)}");
        var report = KeyMaterialGenerator.Generate(paths, new KeyGenOptions { Force = force, Fleet = fleet, Log = Console.Out });
        // Loose permissions are repaired, not refused: the lab keeps running, and the warning says what was exposed.
        foreach (var repaired in report.Repaired)
        {
            Console.Error.WriteLine("warning: " + repaired);
        }

        Console.WriteLine($"created {report.Created.Count} files, kept {report.Kept.Count} existing files, total {report.Total.TotalMilliseconds:F0} ms");
        if (report.FleetKeysGenerated > 0)
        {
            Console.WriteLine($"fleet: {report.FleetKeysGenerated} DSA-2048 keys in {report.FleetKeyGen.TotalSeconds:F1} s " +
                              $"({report.FleetKeyGen.TotalMilliseconds / report.FleetKeysGenerated:F0} ms per key wall-clock)");
        }

        return 0;
    }
    catch (KeyMaterialException ex)
    {
        Console.Error.WriteLine(ex.Message);
        return 1;
    }
    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
    {
        Console.Error.WriteLine($"Cannot write key material under '{paths.Root}': {ex.Message}");
        return 1;
    }
}
