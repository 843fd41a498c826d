using System.CommandLine;

namespace SmartHome.Tools;

/// <summary>
/// How every SmartHome command-line tool answers a command line it cannot parse: each error on its own line on stderr,
/// then a pointer to --help, and exit code 2 (System.CommandLine's own default would be 1, the code of a failed run).
/// Linked into each tool's project (services/libraries/Shared), since the tools share no library.
/// </summary>
internal static class UsageErrors
{
    public const int ExitCode = 2;

    public const string HelpHint = "Run with --help for the options.";

    /// <summary>False when <paramref name="parse"/> succeeded; else writes its errors and the hint to stderr and returns true.</summary>
    public static bool Reported(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        if (parse.Errors.Count == 0)
        {
            return false;
        }

        foreach (var error in parse.Errors)
        {
            Console.Error.WriteLine(error.Message);
        }

        Console.Error.WriteLine(HelpHint);
        return true;
    }
}
