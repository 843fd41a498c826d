using System.Diagnostics;

namespace SmartHome.TimingDemo;

/// <summary>
/// Runs one attack and shows it as it goes: a line per decided byte, a progress line with the time left at most every few
/// seconds, the progress gauges, and the verdict. <paramref name="demoBudget"/> (when given) is the whole demo's allowance.
/// </summary>
public sealed class AttackConsole(TimeBudget? demoBudget)
{
    private static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(3);

    public AttackRun Run(string name, PrefixRecoverer recoverer, string oracle, AttackTechnique technique, RecoveryOptions options,
        TimeBudget budget, byte[]? secret)
    {
        ArgumentNullException.ThrowIfNull(recoverer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(budget);
        var cap = budget.IsUnlimited ? "no time limit" : $"at most {budget.Limit.TotalSeconds:F0} s";
        Console.WriteLine($"Attack: {name} via {oracle}; {technique.Label()}; budget {options.MaxSamples} {(technique == AttackTechnique.ResponseOrder ? "races" : "samples")}/candidate/byte, {cap}");
        var lastPrint = Stopwatch.StartNew();
        var result = recoverer.Recover(budget, b => PrintByte(b, technique, secret), progress =>
        {
            TimingMetrics.RecordProgress(name, progress);
            if (demoBudget is { IsUnlimited: false })
            {
                TimingMetrics.DemoSecondsLeft.Record(demoBudget.Remaining.TotalSeconds);
            }

            if (lastPrint.Elapsed >= ProgressEvery)
            {
                lastPrint.Restart();
                var demo = demoBudget is { IsUnlimited: false } ? $"; demo budget {demoBudget.Remaining.TotalSeconds:F0} s left" : "";
                Console.WriteLine($"  ... {progress.Describe()}{demo}");
            }
        });
        var run = new AttackRun(name, oracle, options, result, secret) { Technique = technique };
        for (var i = 0; i < result.Recovered.Length; i++)
        {
            var outcome = secret is null ? "unknown" : secret[i] == result.Recovered[i] ? "correct" : "wrong";
            TimingMetrics.RecoveredBytes.Add(1, new KeyValuePair<string, object?>(TimingMetrics.OutcomeTag, outcome),
                new KeyValuePair<string, object?>(TimingMetrics.AttackTag, name));
        }

        Console.WriteLine($"  => {run.Verdict}; {result.TotalQueries} queries, {result.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine();
        return run;
    }

    private static void PrintByte(ByteResult b, AttackTechnique technique, byte[]? secret)
    {
        var grade = secret is null ? "" : secret[b.Position] == b.Value ? " correct" : " WRONG";
        var (unit, digits, per) = technique == AttackTechnique.ResponseOrder ? ("answered last", 3, "races") : ("ns", 0, "samples");
        var levels = $"best {Report.F(b.BestEstimateNs, digits)} vs rest {Report.F(b.RestEstimateNs, digits)} {unit}";
        if (b.Significant)
        {
            Console.WriteLine($"  byte {b.Position,2}: 0x{b.Value:x2}{grade}  after {b.SamplesPerCandidate,5} {per}/candidate  ({levels}, p={Report.P(b.DiscoveryPValue)}, confirm p={Report.P(b.ConfirmPValue)}, {b.Elapsed.TotalSeconds:F2} s)");
        }
        else
        {
            var why = b.OutOfTime ? "time budget used up" : "no significant leak";
            Console.WriteLine($"  byte {b.Position,2}: {why} after {b.SamplesPerCandidate} {per}/candidate (best 0x{b.Value:x2}: {levels}, p={Report.P(b.DiscoveryPValue)} vs threshold {Report.P(b.DiscoveryThreshold)}, {b.Elapsed.TotalSeconds:F2} s)");
        }
    }
}
