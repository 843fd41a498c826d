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
    public const string BytesDecidedName = "smarthome.timing.attack.bytes_decided";
    public const string SecondsLeftName = "smarthome.timing.attack.estimated_seconds_left";
    public const string DemoSecondsLeftName = "smarthome.timing.demo.budget_seconds_left";

    public const string VerifierTag = "smarthome.timing.verifier";
    public const string PrefixTag = "smarthome.timing.correct_prefix";
    public const string OutcomeTag = "smarthome.timing.outcome";
    public const string AttackTag = "smarthome.timing.attack";

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

    public static readonly Gauge<int> BytesDecided = SmartHomeTelemetry.Meter.CreateGauge<int>(
        BytesDecidedName, unit: "{byte}", description: "Leading secret bytes the running attack has decided so far (tag: attack).");

    public static readonly Gauge<double> SecondsLeft = SmartHomeTelemetry.Meter.CreateGauge<double>(
        SecondsLeftName, unit: "s",
        description: "Estimated seconds until the running attack ends: its rate so far, capped by its time budget (tag: attack).");

    public static readonly Gauge<double> DemoSecondsLeft = SmartHomeTelemetry.Meter.CreateGauge<double>(
        DemoSecondsLeftName, unit: "s", description: "Seconds left of the demo's total time budget (--budget).");

    /// <summary>Publishes where an attack stands on the progress gauges.</summary>
    public static void RecordProgress(string attack, AttackProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var tag = new KeyValuePair<string, object?>(AttackTag, attack);
        BytesDecided.Record(progress.BytesDecided, tag);
        if (progress.EstimatedLeft is { } left)
        {
            SecondsLeft.Record(left.TotalSeconds, tag);
        }
    }

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
