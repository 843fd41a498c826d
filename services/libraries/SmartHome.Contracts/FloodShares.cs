using System.Globalization;

namespace SmartHome.Contracts;

/// <summary>Parsing, formatting and scheduling of the flood's mix (pure, unit-tested).</summary>
public static class FloodShares
{
    /// <summary>Parses <c>forged,malformed</c> or <c>forged:10,malformed:1</c>; a kind named twice adds up its weights.</summary>
    public static bool TryParse(string? text, out IReadOnlyList<FloodShare> shares, out string error)
    {
        shares = [new FloodShare(FloodKinds.Forged, 1)];
        if (string.IsNullOrWhiteSpace(text))
        {
            error = string.Empty;
            return true;
        }

        var weights = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.IndexOf(':', StringComparison.Ordinal);
            var kind = (colon < 0 ? part : part[..colon]).Trim().ToLowerInvariant();
            var weight = 1;
            if (colon >= 0 && (!int.TryParse(part[(colon + 1)..], NumberStyles.Integer, CultureInfo.InvariantCulture, out weight)
                               || weight is < 1 or > FloodRequest.MaxWeight))
            {
                error = $"mix: the weight in '{part}' must be an integer 1..{FloodRequest.MaxWeight}";
                return false;
            }

            if (!FloodKinds.All.Contains(kind, StringComparer.Ordinal))
            {
                error = $"mix: unknown kind '{kind}'; known: {string.Join(", ", FloodKinds.All)}";
                return false;
            }

            if (!weights.TryAdd(kind, weight))
            {
                weights[kind] += weight;
            }
            else
            {
                order.Add(kind);
            }
        }

        if (order.Count == 0)
        {
            error = "mix: name at least one kind";
            return false;
        }

        shares = [.. order.Select(k => new FloodShare(k, Math.Min(weights[k], FloodRequest.MaxWeight)))];
        error = string.Empty;
        return true;
    }

    public static string Format(IReadOnlyList<FloodShare> shares) =>
        string.Join(",", shares.Select(s => s.Weight == 1 && shares.All(x => x.Weight == 1) ? s.Kind : $"{s.Kind}:{s.Weight}"));

    /// <summary>
    /// The kind of each of <paramref name="length"/> pool slots: smooth weighted round robin, so every window of the pool
    /// carries the kinds in proportion to their weights (never one long run of a single kind).
    /// </summary>
    public static string[] Schedule(IReadOnlyList<FloodShare> shares, int length)
    {
        ArgumentNullException.ThrowIfNull(shares);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        if (shares.Count == 0)
        {
            throw new ArgumentException("The mix is empty.", nameof(shares));
        }

        var total = shares.Sum(s => s.Weight);
        var current = new long[shares.Count];
        var slots = new string[length];
        for (var i = 0; i < length; i++)
        {
            var best = 0;
            for (var k = 0; k < shares.Count; k++)
            {
                current[k] += shares[k].Weight;
                if (current[k] > current[best])
                {
                    best = k;
                }
            }

            current[best] -= total;
            slots[i] = shares[best].Kind;
        }

        return slots;
    }
}
