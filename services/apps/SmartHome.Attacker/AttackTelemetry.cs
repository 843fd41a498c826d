using System.Diagnostics;
using SmartHome.Contracts;
using SmartHome.ServiceDefaults;
using Attr = SmartHome.ServiceDefaults.SmartHomeTelemetry.Attributes;

namespace SmartHome.Attacker;

/// <summary>
/// What the attacker reports about its own work: an <c>attack {name}</c> span and one count of the attempts metric per
/// attempt, one span per sustained flood, and its log lines.
/// </summary>
internal sealed partial class AttackTelemetry(string pipeline, ILogger logger)
{
    /// <summary>The span of one attempt; its outcome is tagged by <see cref="EndAttempt"/>.</summary>
    public Activity? StartAttempt(string attack, AttackLevel level, string attemptId)
    {
        var activity = StartRoot($"attack {attack}");
        activity?.SetTag(Attr.Attack, attack);
        activity?.SetTag(Attr.AttackLevel, Attacks.LevelName(level));
        activity?.SetTag(Attr.AttemptId, attemptId);
        activity?.SetTag(Attr.Pipeline, pipeline);
        return activity;
    }

    /// <summary>Tags the attempt's outcome, ends its span and counts it.</summary>
    public void EndAttempt(Activity? activity, string attack, AttackLevel level, Verdict verdict)
    {
        var outcome = !verdict.Judged ? "unjudged" : verdict.Succeeded ? "succeeded" : "blocked";
        if (activity is not null)
        {
            activity.SetTag(Attr.AttackOutcome, outcome);
            if (verdict.BlockedBy is not null)
            {
                activity.SetTag(Attr.AttackBlockedBy, verdict.BlockedBy);
            }

            activity.Stop();
            activity.Dispose();
        }

        SmartHomeTelemetry.AttackAttempts.Add(1,
            new KeyValuePair<string, object?>(Attr.Attack, attack),
            new KeyValuePair<string, object?>(Attr.AttackLevel, Attacks.LevelName(level)),
            new KeyValuePair<string, object?>(Attr.AttackOutcome, outcome),
            new KeyValuePair<string, object?>(Attr.Pipeline, pipeline));
    }

    /// <summary>The one span of a whole sustained flood (a span per message would cost more than the message).</summary>
    public Activity? StartSustainedFlood(string level, string attemptId, FloodRequest request, string topic)
    {
        var span = StartRoot("attack flood (sustained)");
        span?.SetTag(Attr.Attack, Attacks.Flood);
        span?.SetTag(Attr.AttackLevel, level);
        span?.SetTag(Attr.Pipeline, pipeline);
        span?.SetTag(Attr.AttemptId, attemptId);
        span?.SetTag("smarthome.flood.target_rate", request.RatePerSecond);
        span?.SetTag("smarthome.flood.seconds", request.Seconds);
        span?.SetTag("smarthome.flood.mix", request.MixText);
        span?.SetTag("messaging.destination.name", topic);
        return span;
    }

    /// <summary>Tags what the sustained flood achieved (the caller ends the span).</summary>
    public static void TagFloodOutcome(Activity? span, long sent, double achievedRate, long errors, IReadOnlyList<string> kinds, IReadOnlyList<long> sentByKind)
    {
        span?.SetTag("smarthome.flood.sent", sent);
        span?.SetTag("smarthome.flood.achieved_rate", Math.Round(achievedRate, 1));
        span?.SetTag("smarthome.flood.publish_errors", errors);
        for (var k = 0; k < kinds.Count; k++)
        {
            span?.SetTag($"smarthome.flood.sent.{kinds[k]}", sentByKind[k]);
        }
    }

    public void AttackStarting(string attack, AttackLevel level) => LogAttack(logger, pipeline, attack, Attacks.LevelName(level));

    public void AttackFailed(string attack, AttackLevel level, Exception exception) => LogAttackFailed(logger, attack, Attacks.LevelName(level), exception);

    public void FloodStarted(string level, double rate, int seconds, string mix) => LogFloodStarted(logger, pipeline, level, rate, seconds, mix);

    public void FloodEnded(long sent, double seconds, double rate, long errors) => LogFloodEnded(logger, pipeline, sent, seconds, rate, errors);

    /// <summary>
    /// A span with no parent: every attempt is its own trace, however the campaign was started (an HTTP request would
    /// otherwise parent thousands of attempts).
    /// </summary>
    private static Activity? StartRoot(string name)
    {
        var previous = Activity.Current;
        Activity.Current = null;
        var activity = SmartHomeTelemetry.ActivitySource.StartActivity(name, ActivityKind.Producer);
        Activity.Current = previous;
        return activity;
    }

    [LoggerMessage(LogLevel.Information, "Attacking the {Pipeline} pipeline: {Attack} as {Level}")]
    private static partial void LogAttack(ILogger logger, string pipeline, string attack, string level);

    [LoggerMessage(LogLevel.Error, "Attack {Attack} as {Level} failed")]
    private static partial void LogAttackFailed(ILogger logger, string attack, string level, Exception exception);

    [LoggerMessage(LogLevel.Information, "Flooding the {Pipeline} pipeline as {Level}: {Rate}/s for {Seconds} s ({Mix}, QoS 0)")]
    private static partial void LogFloodStarted(ILogger logger, string pipeline, string level, double rate, int seconds, string mix);

    [LoggerMessage(LogLevel.Information, "Flood on {Pipeline} done: {Sent} messages in {Seconds:0.0} s ({Rate:0}/s), {Errors} publish errors")]
    private static partial void LogFloodEnded(ILogger logger, string pipeline, long sent, double seconds, double rate, long errors);
}
