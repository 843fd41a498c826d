using System.Globalization;
using System.Net;

namespace SmartHome.TimingDemo;

/// <summary>Minimal <c>command --key value</c> parser (no dependency, strict about unknown options).</summary>
public sealed class CliArgs
{
    private static readonly HashSet<string> Flags = ["no-network", "continue", "no-unamplified-attack", "help"];
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase);

    public CliArgs(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var i = 0;
        if (args.Length > 0 && !args[0].StartsWith('-'))
        {
            Command = args[0].ToLowerInvariant();
            i = 1;
        }

        for (; i < args.Length; i++)
        {
            var a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{a}'.");
            }

            var key = a[2..];
            var eq = key.IndexOf('=', StringComparison.Ordinal);
            if (eq >= 0)
            {
                _values[key[..eq]] = key[(eq + 1)..];
            }
            else if (Flags.Contains(key))
            {
                _values[key] = "true";
            }
            else if (i + 1 < args.Length)
            {
                _values[key] = args[++i];
            }
            else
            {
                throw new ArgumentException($"Option --{key} needs a value.");
            }
        }
    }

    public string Command { get; } = "help";

    public IEnumerable<string> Keys => _values.Keys;

    public bool Has(string key) => _values.ContainsKey(key);

    public string Get(string key, string fallback) => _values.TryGetValue(key, out var v) ? v : fallback;

    public int GetInt(string key, int fallback) =>
        _values.TryGetValue(key, out var v) ? int.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture) : fallback;

    public double GetDouble(string key, double fallback) =>
        _values.TryGetValue(key, out var v) ? double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture) : fallback;

    public IPAddress GetLoopback(string key)
    {
        var text = Get(key, "127.0.0.1");
        var address = text.Equals("localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback : IPAddress.Parse(text);
        if (!IPAddress.IsLoopback(address))
        {
            throw new ArgumentException($"--{key} must be a loopback address (127.0.0.0/8 or ::1), not {text}.");
        }

        return address;
    }

    public Estimator GetEstimator() => Get("estimator", "median").ToLowerInvariant() switch
    {
        "median" => Estimator.Median,
        "trimmed" or "trimmed-mean" or "trimmedmean" => Estimator.TrimmedMean,
        var e => throw new ArgumentException($"Unknown estimator '{e}' (median|trimmed)."),
    };

    public VerifierKind GetVerifier() => Get("verifier", "vulnerable").ToLowerInvariant() switch
    {
        "vulnerable" or "early-exit" => VerifierKind.Vulnerable,
        "constant" or "constant-time" or "hardened" or "fixed" => VerifierKind.ConstantTime,
        var v => throw new ArgumentException($"Unknown verifier '{v}' (vulnerable|constant-time)."),
    };
}
