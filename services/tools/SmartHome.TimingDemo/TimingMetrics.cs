using System.Diagnostics.Metrics;
using SmartHome.ServiceDefaults;

namespace SmartHome.TimingDemo;

/// <summary>OTel instruments of the timing demo, on the shared <c>SmartHome</c> meter.</summary>
public static class TimingMetrics
{
    public const string VerifyDurationName = "smarthome.timing.verify.duration";
    public const string RecoveredBytesName = "smarthome.timing.attack.recovered_bytes";
    public const string AttackQueriesName = "smarthome.timing.attack.queries";
    public const string SamplesPerByteName = "smarthome.timing.attack.samples_per_byte";

    public const string VerifierTag = "smarthome.timing.verifier";
    public const string PrefixTag = "smarthome.timing.correct_prefix";
    public const string OutcomeTag = "smarthome.timing.outcome";

    public static readonly Histogram<double> VerifyDuration = SmartHomeTelemetry.Meter.CreateHistogram(
        VerifyDurationName, unit: "us",
        description: "Time one token verification took, by verifier kind and true correct-prefix length.",
        advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
        });

    public static readonly Counter<long> RecoveredBytes = SmartHomeTelemetry.Meter.CreateCounter<long>(
        RecoveredBytesName, unit: "{byte}",
        description: "Secret bytes the timing attack recovered (outcome correct/wrong graded by the demo).");

    public static readonly Counter<long> AttackQueries = SmartHomeTelemetry.Meter.CreateCounter<long>(
        AttackQueriesName, unit: "{query}", description: "Oracle queries the timing attack made.");

    public static readonly Histogram<long> SamplesPerByte = SmartHomeTelemetry.Meter.CreateHistogram<long>(
        SamplesPerByteName, unit: "{sample}",
        description: "Samples per candidate the attack needed to decide one byte (or gave up at).");

    public static void RecordVerify(VerifierKind kind, int correctPrefix, double nanoseconds)
    {
        if (VerifyDuration.Enabled)
        {
            VerifyDuration.Record(nanoseconds / 1000.0,
                new KeyValuePair<string, object?>(VerifierTag, kind.Label()),
                new KeyValuePair<string, object?>(PrefixTag, correctPrefix));
        }
    }
}
