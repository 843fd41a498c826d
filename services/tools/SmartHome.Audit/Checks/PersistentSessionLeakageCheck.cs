using System.Text;

namespace SmartHome.Audit.Checks;

/// <summary>
/// The audit's own persistent session (client id <c>audit-&lt;run&gt;-session</c>, Session Expiry 300 s) subscribes to
/// <c>&lt;probe root&gt;/session</c> and goes offline; a probe message is queued for it; then another identity (the
/// second login, or anonymous, "anyone") connects with the same client id and Clean Start 0. Session present, or the
/// queued probe delivered, means sessions leak across identities. The session is deleted afterwards (Clean Start 1, expiry 0).
/// </summary>
public sealed class PersistentSessionLeakageCheck : IAuditCheck
{
    private const uint SessionExpirySeconds = 300;
    private static readonly TimeSpan Delivery = TimeSpan.FromMilliseconds(1500);

    public string Id => "session-leakage";

    public string Title => "Persistent-session leakage to another client";

    public async Task<CheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var outcome = new CheckOutcome(this);
        if (context.PrimaryIdentity is not { } owner)
        {
            return outcome.Skipped("No login to connect with: anonymous is refused and no --username was given.");
        }

        if (context.OtherIdentity is not { } other || (other == owner && !owner.IsAnonymous))
        {
            return outcome.Skipped("Needs a second identity (--second-username/--second-password-file) or anonymous access; a session resumed by its own account is no leak.");
        }

        var id = context.ClientId("session");
        var topic = context.ProbeTopic("session");
        (bool Error, string Summary) ended;
        try
        {
            ended = await ProbeAsync(context, outcome, owner, other, id, topic, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Delete the audit's session whatever happened: Clean Start 1 with Session Expiry 0 discards it on disconnect.
            await using var cleanup = await ProbeClient.ConnectAsync(context, owner, id, CancellationToken.None, cleanStart: true, sessionExpiry: 0).ConfigureAwait(false);
            outcome.Exchange($"cleanup: CONNECT as {owner}, client id {id}, Clean Start 1, Session Expiry 0, DISCONNECT", cleanup.Answer);
        }

        return ended.Error ? outcome.Error(ended.Summary) : outcome.Done(ended.Summary);
    }

    private static async Task<(bool Error, string Summary)> ProbeAsync(AuditContext context, CheckOutcome outcome, BrokerIdentity owner,
        BrokerIdentity other, string id, string topic, CancellationToken cancellationToken)
    {
        {
            await using (var first = await ProbeClient.ConnectAsync(context, owner, id, cancellationToken, cleanStart: true, sessionExpiry: SessionExpirySeconds).ConfigureAwait(false))
            {
                outcome.Exchange($"CONNECT as {owner}, client id {id}, Clean Start 1, Session Expiry {SessionExpirySeconds} s", first.Answer);
                if (!first.Accepted)
                {
                    return (true, "The login was refused: " + first.Answer);
                }

                outcome.Exchange($"SUBSCRIBE {topic} (QoS 1), then DISCONNECT", string.Join("; ", await first.SubscribeAsync(cancellationToken, topic).ConfigureAwait(false)));
            }

            await using (var publisher = await ProbeClient.ConnectAsync(context, owner, context.ClientId("session-publisher"), cancellationToken).ConfigureAwait(false))
            {
                var payload = $"smarthome-audit session probe {context.RunId}";
                var answer = publisher.Accepted
                    ? (await publisher.PublishAsync(topic, Encoding.UTF8.GetBytes(payload), retain: false, cancellationToken).ConfigureAwait(false)).Answer
                    : "not sent: " + publisher.Answer;
                outcome.Exchange($"PUBLISH QoS 1 \"{payload}\" to {topic} while the session is offline", answer);
            }

            await using var thief = await ProbeClient.ConnectAsync(context, other, id, cancellationToken, cleanStart: false, sessionExpiry: 0).ConfigureAwait(false);
            var queued = thief.Accepted ? await thief.WaitForAsync(m => m.Topic == topic, Delivery, cancellationToken).ConfigureAwait(false) : null;
            var present = thief.ConnectResult?.IsSessionPresent == true && thief.Accepted;
            outcome.Exchange($"CONNECT as {other}, same client id {id}, Clean Start 0",
                $"{thief.Answer}; {(queued is null ? "no queued message delivered" : "received the queued " + ProbeClient.DescribeMessage(queued))}");
            if (present || queued is not null)
            {
                outcome.Find(Rules.SessionLeakage, $"{other} resumed the persistent session {owner} left under client id {id}" +
                    (queued is null ? " (session present)." : " and received the message queued for it."), outcome.Evidence);
                return (false, "Persistent sessions are resumed by whoever presents the client id.");
            }

            return (false, $"{other} got a fresh session, not the one {owner} left.");
        }
    }
}
