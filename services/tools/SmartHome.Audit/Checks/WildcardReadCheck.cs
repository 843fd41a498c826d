using System.Globalization;
using System.Text;

namespace SmartHome.Audit.Checks;

/// <summary>
/// Subscribes to <c>#</c> and <c>$SYS/#</c> and listens for --listen-seconds. To see a <c>#</c> read on an idle broker,
/// the same connection publishes the documented probe to <c>&lt;probe root&gt;/wildcard</c> (a topic the audit creates).
/// A SUBACK alone proves nothing (Mosquitto grants and filters per message): only delivered messages count.
/// </summary>
public sealed class WildcardReadCheck : IAuditCheck
{
    public string Id => "wildcard-read";

    public string Title => "Wildcard read of # and $SYS disclosure";

    public async Task<CheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var outcome = new CheckOutcome(this);
        if (context.PrimaryIdentity is not { } identity)
        {
            return outcome.Skipped("No login to subscribe with: anonymous is refused and no --username was given.");
        }

        await using var reader = await ProbeClient.ConnectAsync(context, identity, context.ClientId("wildcard"), cancellationToken).ConfigureAwait(false);
        outcome.Exchange($"CONNECT as {identity}", reader.Answer);
        if (!reader.Accepted)
        {
            return outcome.Error("The login was refused: " + reader.Answer);
        }

        var subscribed = await reader.SubscribeAsync(cancellationToken, "#", "$SYS/#").ConfigureAwait(false);
        outcome.Exchange("SUBSCRIBE # and $SYS/# (QoS 1)", string.Join("; ", subscribed));

        // The probe comes from the same connection: a second one of the same login would displace this one on brokers that
        // bind client ids to usernames (use_username_as_clientid). Delivery to oneself goes through the same read check.
        var probeTopic = context.ProbeTopic("wildcard");
        var probePayload = $"smarthome-audit wildcard probe {context.RunId}";
        var published = (await reader.PublishAsync(probeTopic, Encoding.UTF8.GetBytes(probePayload), retain: false, cancellationToken).ConfigureAwait(false)).Answer;
        outcome.Exchange($"PUBLISH probe \"{probePayload}\" to {probeTopic} (a topic the subscription never named)", published);

        await Task.Delay(context.Options.ListenTime, cancellationToken).ConfigureAwait(false);
        var messages = reader.Messages;
        var foreign = messages.Where(m => !m.Topic.StartsWith('$') && !context.IsAuditTopic(m.Topic)).ToList();
        var sys = messages.Where(m => m.Topic.StartsWith("$SYS/", StringComparison.Ordinal)).ToList();
        var probe = messages.Any(m => m.Topic == probeTopic);
        var seconds = context.Options.ListenTime.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture);
        outcome.Exchange($"listen {seconds} s on #",
            $"{foreign.Count} message(s) of other clients on {foreign.Select(m => m.Topic).Distinct().Count()} topic(s); the probe {(probe ? "was" : "was not")} delivered" +
            (foreign.Count > 0 ? ": " + string.Join("; ", foreign.DistinctBy(m => m.Topic).Take(8).Select(m => ProbeClient.DescribeMessage(m))) : string.Empty));
        var hashEvidence = outcome.Evidence[^1];
        outcome.Exchange($"listen {seconds} s on $SYS/#",
            $"{sys.Count} $SYS message(s)" + (sys.Count > 0 ? ": " + string.Join("; ", sys.DistinctBy(m => m.Topic).Take(6).Select(m => ProbeClient.DescribeMessage(m, 60))) : string.Empty));
        var sysEvidence = outcome.Evidence[^1];

        if (foreign.Count > 0 || probe)
        {
            outcome.Find(Rules.WildcardRead, foreign.Count > 0
                    ? $"A # subscription as {identity} received {foreign.Count} message(s) of other clients."
                    : $"A # subscription as {identity} received the probe published to a topic it never named.",
                [outcome.Evidence[1], outcome.Evidence[2], hashEvidence]);
        }

        if (sys.Count > 0)
        {
            outcome.Find(Rules.SysDisclosure, $"A $SYS/# subscription as {identity} received {sys.Count} broker message(s).", [outcome.Evidence[1], sysEvidence]);
        }

        return outcome.Done(foreign.Count > 0 || probe || sys.Count > 0
            ? "Wildcard subscriptions deliver messages this identity should not read."
            : "Nothing was delivered to # or $SYS/#.");
    }
}
