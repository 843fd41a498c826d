using System.Text;
using MQTTnet;

namespace SmartHome.Audit.Checks;

/// <summary>
/// The documented probe: publishes QoS 1 to <c>&lt;probe root&gt;/publish</c>, a topic the audit creates and nobody was
/// granted, then a retained message to <c>&lt;probe root&gt;/retained</c>, and reads both back on its own subscriptions
/// (the retained one through a new subscription, as a later subscriber would get it).
/// The retained probe is always cleared afterwards (an empty retained message). It never publishes to the lab's own topics.
/// </summary>
public sealed class PublishOutsideOwnTopicsCheck : IAuditCheck
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan AfterRefusal = TimeSpan.FromMilliseconds(500);

    public string Id => "publish-outside-own-topics";

    public string Title => "Publish to topics outside one's own (and retained writes)";

    public async Task<CheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var outcome = new CheckOutcome(this);
        if (context.PrimaryIdentity is not { } identity)
        {
            return outcome.Skipped("No login to publish with: anonymous is refused and no --username was given.");
        }

        var topic = context.ProbeTopic("publish");
        var retainedTopic = context.ProbeTopic("retained");
        // One connection subscribes to its own probe topics and watches its publishes come back: a second connection of
        // the same login would displace the first on brokers that bind client ids to usernames (use_username_as_clientid).
        await using var writer = await ProbeClient.ConnectAsync(context, identity, context.ClientId("publisher"), cancellationToken).ConfigureAwait(false);
        outcome.Exchange($"CONNECT as {identity}", writer.Answer);
        if (!writer.Accepted)
        {
            return outcome.Error("The login was refused: " + writer.Answer);
        }

        outcome.Exchange($"SUBSCRIBE {topic}", string.Join("; ", await writer.SubscribeAsync(cancellationToken, topic).ConfigureAwait(false)));
        var payload = $"smarthome-audit publish probe {context.RunId}";
        var (code, answer) = await writer.PublishAsync(topic, Encoding.UTF8.GetBytes(payload), retain: false, cancellationToken).ConfigureAwait(false);
        var wait = WaitAfter(code);
        var delivered = await writer.WaitForAsync(m => m.Topic == topic, wait, cancellationToken).ConfigureAwait(false) is not null;
        outcome.Exchange($"PUBLISH QoS 1 \"{payload}\" to {topic}",
            $"{answer}; {(delivered ? "delivered back to the subscription" : $"nothing delivered in {wait.TotalSeconds:0.#} s")}");
        var publishEvidence = outcome.Evidence[^1];
        var accepted = delivered || code is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers;
        if (accepted)
        {
            outcome.Find(Rules.PublishOutsideOwnTopics, $"As {identity} the broker accepted a publish to {topic}, a topic no account was granted.",
                [outcome.Evidence[0], publishEvidence]);
        }

        var retainedPayload = $"smarthome-audit retained probe {context.RunId}";
        var kept = false;
        try
        {
            var (retainedCode, retainedAnswer) = await writer.PublishAsync(retainedTopic, Encoding.UTF8.GetBytes(retainedPayload), retain: true, cancellationToken).ConfigureAwait(false);
            // A new subscription gets the topic's retained message, flagged retained.
            var subscribed = writer.IsConnected ? string.Join("; ", await writer.SubscribeAsync(cancellationToken, retainedTopic).ConfigureAwait(false)) : "not connected";
            kept = await writer.WaitForAsync(m => m.Topic == retainedTopic && m.Retain, WaitAfter(retainedCode), cancellationToken).ConfigureAwait(false) is not null;
            outcome.Exchange($"PUBLISH QoS 1 retained \"{retainedPayload}\" to {retainedTopic}; then SUBSCRIBE {retainedTopic}",
                $"{retainedAnswer}; {subscribed}; {(kept ? "the new subscription got it as retained" : "the new subscription got no retained message")}");
        }
        finally
        {
            // Always clear the retained probe, even when it seemed refused or the check ran out of time: an empty retained
            // payload deletes it.
            var cleared = writer.IsConnected
                ? (await writer.PublishAsync(retainedTopic, ReadOnlyMemory<byte>.Empty, retain: true, CancellationToken.None).ConfigureAwait(false)).Answer
                : await ClearWithNewConnectionAsync(context, identity, retainedTopic).ConfigureAwait(false);
            outcome.Exchange($"cleanup: PUBLISH empty retained message to {retainedTopic}", cleared);
        }

        var retainedEvidence = outcome.Evidence[^2];
        if (kept)
        {
            outcome.Find(Rules.RetainedWrite, $"As {identity} a retained message was planted on {retainedTopic} and handed to a later subscriber.",
                [retainedEvidence, outcome.Evidence[^1]]);
        }

        return outcome.Done(accepted ? "Publishing outside one's own topics is accepted." : "The probe publish was refused or dropped.");
    }

    /// <summary>
    /// A PUBACK alone proves nothing, so deliveries are awaited; after an explicit refusal (e.g. 0x87 Not authorized) a
    /// delivery would be a broker bug, so a shorter wait still catches it without slowing every audit of a locked-down broker.
    /// </summary>
    private static TimeSpan WaitAfter(MqttClientPublishReasonCode? code) =>
        code is null or MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers ? Delivery : AfterRefusal;

    private static async Task<string> ClearWithNewConnectionAsync(AuditContext context, BrokerIdentity identity, string topic)
    {
        await using var cleaner = await ProbeClient.ConnectAsync(context, identity, context.ClientId("cleanup"), CancellationToken.None).ConfigureAwait(false);
        return cleaner.Accepted
            ? (await cleaner.PublishAsync(topic, ReadOnlyMemory<byte>.Empty, retain: true, CancellationToken.None).ConfigureAwait(false)).Answer + " (new connection)"
            : "not sent: " + cleaner.Answer;
    }
}
