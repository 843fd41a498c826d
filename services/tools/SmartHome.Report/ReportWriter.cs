namespace SmartHome.Report;

/// <summary>The one way out of the report: every file from one results object, so they agree.</summary>
public static class ReportWriter
{
    /// <summary>Writes results.json, results.csv, summary.md and the PNGs from one results object; returns the file names.</summary>
    public static async Task<List<string>> WriteAsync(ReportResults results, string directory, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(results);
        Directory.CreateDirectory(directory);
        var plots = new List<string>();
        if (results.Attacks.Count > 0)
        {
            // The outcome grid keeps the old bar chart's file name, so links to it (summary.md, READMEs) still work.
            Plots.AttackOutcomes(results.Attacks, Path.Combine(directory, "attack-success.png"));
            plots.Add("attack-success.png");
        }

        if (results.Latency.Any(l => l.Cdf.Count > 0))
        {
            Plots.LatencyCdf(results.Latency, Path.Combine(directory, "latency-cdf.png"));
            plots.Add("latency-cdf.png");
        }

        if (results.Crypto is { } crypto)
        {
            Plots.CryptoCost(crypto, Path.Combine(directory, "crypto-cost.png"));
            plots.Add("crypto-cost.png");
        }

        if (results.Throughput.Count > 0)
        {
            Plots.Throughput(results.Throughput, Path.Combine(directory, "throughput.png"));
            plots.Add("throughput.png");
        }

        if (results.Suites.Any(s => s.Ran))
        {
            Suites.SuitesPlot.Save(results.Suites, Path.Combine(directory, "suites.png"));
            plots.Add("suites.png");
        }

        if (results.Flood.Any(f => f.Samples.Count > 0))
        {
            Plots.FloodMemory(results.Flood, Path.Combine(directory, "flood-memory.png"));
            plots.Add("flood-memory.png");
        }

        if (results.Chaos is { Timeline.Count: > 0 } chaos)
        {
            Chaos.ChaosPlot.Save(chaos, Path.Combine(directory, "chaos-timeline.png"));
            plots.Add("chaos-timeline.png");
        }

        await File.WriteAllTextAsync(Path.Combine(directory, "results.json"), JsonOutput.Render(results), ct).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, "results.csv"), CsvWriter.Render(results), ct).ConfigureAwait(false);
        await File.WriteAllTextAsync(Path.Combine(directory, "summary.md"), SummaryWriter.Render(results, plots), ct).ConfigureAwait(false);
        return ["results.json", "results.csv", "summary.md", .. plots];
    }
}
