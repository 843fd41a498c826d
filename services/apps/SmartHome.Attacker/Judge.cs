using MQTTnet;
using SmartHome.Contracts;

namespace SmartHome.Attacker;

/// <summary>Turns what the victim recorded into verdicts. Pure; unit-tested.</summary>
public static class Judge
{
    /// <summary>
    /// Judges an attempt from the actuator's decisions (indexed by attempt id), after the sentinel proved the broker
    /// drained. <paramref name="refusedBy"/> is the layer that refused the attacker's connection, if any;
    /// <paramref name="brokerEnforcesAcl"/> says whether a silently missing message means the broker's ACL dropped it.
    /// </summary>
    public static Verdict Attempt(PlannedAttempt attempt, IReadOnlyDictionary<string, Decision> decisions, string? refusedBy,
        bool brokerEnforcesAcl)
    {
        if (decisions.TryGetValue(attempt.Id, out var principal) && principal.Verdict == "applied"
            && (attempt.ExpectedValue is null || principal.Value == attempt.ExpectedValue))
        {
            return Verdict.Success;
        }

        foreach (var message in attempt.Messages)
        {
            if (decisions.TryGetValue(message.AttemptId, out var decision) && decision.Verdict == "rejected")
            {
                return Verdict.Blocked(Layers.FromRejectReason(decision.Reason));
            }
        }

        if (principal is not null)
        {
            // Applied, but not what the attacker wanted (e.g. a tampered value that did not stick).
            return Verdict.Blocked(Layers.Parser);
        }

        if (refusedBy is not null)
        {
            return Verdict.Blocked(refusedBy);
        }

        if (attempt.Acks.Count > 0 && (!attempt.Acks.TryGetValue(attempt.Id, out var ack) || ack is null))
        {
            // Never acknowledged by the broker (connection lost): no evidence either way.
            return Verdict.Unknown;
        }

        var refusedAck = attempt.Acks.Values.Any(code => code is MqttClientPublishReasonCode.NotAuthorized);
        return refusedAck || brokerEnforcesAcl ? Verdict.Blocked(Layers.Acl) : Verdict.Blocked(Layers.NotDelivered);
    }

    /// <summary>
    /// Eavesdrop: the attacker succeeded for a reading only if it recovered exactly the value the actuator applied.
    /// </summary>
    public static Verdict Eavesdrop(string messageId, IReadOnlyDictionary<string, Decision> appliedByMessageId,
        IReadOnlyDictionary<string, double> recovered, string? refusedBy, bool subscriptionRefused, bool sawUnreadablePayloads)
    {
        if (!appliedByMessageId.TryGetValue(messageId, out var applied))
        {
            return Verdict.Unknown;
        }

        if (recovered.TryGetValue(messageId, out var value) && applied.Value == value)
        {
            return Verdict.Success;
        }

        if (refusedBy is not null)
        {
            return Verdict.Blocked(refusedBy);
        }

        if (subscriptionRefused)
        {
            return Verdict.Blocked(Layers.Acl);
        }

        return Verdict.Blocked(sawUnreadablePayloads ? Layers.Encryption : Layers.Acl);
    }

    /// <summary>Client-id takeover: succeeded when the actuator never got the marker sent while the attacker held its id.</summary>
    public static Verdict Takeover(string markerId, IReadOnlyDictionary<string, Decision> decisions, string? refusedBy, bool secureBroker)
    {
        if (refusedBy is not null)
        {
            return Verdict.Blocked(refusedBy);
        }

        return decisions.ContainsKey(markerId)
            ? Verdict.Blocked(secureBroker ? Layers.ClientIdBinding : Layers.NotDelivered)
            : Verdict.Success;
    }

    /// <summary>Nearest-rank percentile of <paramref name="values"/> (p in 0..100); null when empty.</summary>
    public static double? Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
