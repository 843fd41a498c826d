using System.Text.RegularExpressions;

namespace SmartHome.Security.Tests;

/// <summary>
/// A deliberately simple source scan (regular expressions, not an analyzer): it fails if the library compares
/// byte data with anything but CryptographicOperations.FixedTimeEquals. Flags SequenceEqual/SequenceCompareTo,
/// StructuralComparisons, .Equals( without a StringComparison, and ==/!= between identifiers named like secrets.
/// A line may opt out with a "ct-ok:" comment giving the reason (used once: a file-format magic check).
/// </summary>
public partial class ConstantTimeScanTests
{
    [GeneratedRegex(@"\bSequence(Equal|CompareTo)\s*\(|StructuralComparisons|\bmemcmp\b")]
    private static partial Regex SequenceCompare();

    [GeneratedRegex(@"\.Equals\s*\(")]
    private static partial Regex EqualsCall();

    [GeneratedRegex(@"\b\w*(hash|tag|mac|signature|fingerprint|digest|secret|password|key|nonce|expected|actual)\w*\s*(==|!=)\s*\w*(hash|tag|mac|signature|fingerprint|digest|secret|password|key|nonce|expected|actual)\w*\b(?!\s*\.)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretEquality();

    internal static IEnumerable<string> Violations(string source, string file)
    {
        string[] lines = source.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            string code = line.Split("//")[0];
            if (line.Contains("ct-ok:", StringComparison.Ordinal) || code.TrimStart().StartsWith('*'))
            {
                continue;
            }
            if (SequenceCompare().IsMatch(code)
                || (EqualsCall().IsMatch(code) && !code.Contains("StringComparison", StringComparison.Ordinal))
                || (SecretEquality().IsMatch(code) && !code.Contains("keyid", StringComparison.OrdinalIgnoreCase) && !code.Contains(".Length", StringComparison.Ordinal)))
            {
                yield return $"{file}:{i + 1}: {line.Trim()}";
            }
        }
    }

    [Fact]
    public void Scanner_CatchesPlantedComparisons()
    {
        Assert.Single(Violations("if (tag.SequenceEqual(expected)) {}", "x"));
        Assert.Single(Violations("bool ok = expectedHash == actualHash;", "x"));
        Assert.Single(Violations("return mac.Equals(otherMac);", "x"));
        Assert.Single(Violations("return a.AsSpan().SequenceCompareTo(b) == 0;", "x"));
        Assert.Empty(Violations("return CryptographicOperations.FixedTimeEquals(actual, expected);", "x"));
        Assert.Empty(Violations("return a.Equals(b, StringComparison.Ordinal);", "x"));
    }

    [Fact]
    public void Library_UsesOnlyFixedTimeComparisonsOfByteData()
    {
        string dir = Path.Combine(RepoRoot(), "services", "libraries", "SmartHome.Security");
        string[] files = Directory.GetFiles(dir, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                     && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToArray();
        Assert.NotEmpty(files);
        var violations = files.SelectMany(f => Violations(File.ReadAllText(f), Path.GetFileName(f))).ToList();
        Assert.True(violations.Count == 0, "Non-constant-time comparisons:\n" + string.Join("\n", violations));
        Assert.Contains(files, f => File.ReadAllText(f).Contains("CryptographicOperations.FixedTimeEquals", StringComparison.Ordinal));
    }

    internal static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "SmartHome.sln")))
            {
                return d.FullName;
            }
        }
        throw new InvalidOperationException("SmartHome.sln not found above " + AppContext.BaseDirectory);
    }
}
