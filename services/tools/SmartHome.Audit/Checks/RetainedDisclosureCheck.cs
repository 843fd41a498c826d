namespace SmartHome.Audit.Checks;

/// <summary>
/// A fresh subscription to <c>#</c>: the broker hands over every retained message this identity may read at once.
/// Counts retained messages of other clients (not the audit's own, not $SYS).
/// </summary>
public sealed class RetainedDisclosureCheck : IAuditCheck
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(1500);

    public string Id => "retained-disclosure";

    public string Title => "Retained-message disclosure";

    public async Task<CheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var outcome = new CheckOutcome(this);
        if (context.PrimaryIdentity is not { } identity)
        {
            return outcome.Skipped("No login to subscribe with: anonymous is refused and no --username was given.");
        }

        await using var reader = await ProbeClient.ConnectAsync(context, identity, context.ClientId("retained"), cancellationToken).ConfigureAwait(false);
        outcome.Exchange($"CONNECT as {identity}", reader.Answer);
        if (!reader.Accepted)
        {
            return outcome.Error("The login was refused: " + reader.Answer);
        }

        var subscribed = await reader.SubscribeAsync(cancellationToken, "#").ConfigureAwait(false);
        outcome.Exchange("SUBSCRIBE # (QoS 1), a new subscription", string.Join("; ", subscribed));
        await Task.Delay(Settle, cancellationToken).ConfigureAwait(false);
        var retained = reader.Messages.Where(m => m.Retain && !m.Topic.StartsWith('$') && !context.IsAuditTopic(m.Topic)).ToList();
        outcome.Exchange("wait 1.5 s for retained messages",
            $"{retained.Count} retained message(s) of other clients" +
            (retained.Count > 0 ? ": " + string.Join("; ", retained.Take(10).Select(m => ProbeClient.DescribeMessage(m))) : string.Empty));
        if (retained.Count > 0)
        {
            outcome.Find(Rules.RetainedDisclosure, $"{retained.Count} retained message(s) of other clients were handed to a new subscriber as {identity}.",
                [.. outcome.Evidence.Skip(1)]);
            return outcome.Done("Retained messages of other clients are readable.");
        }

        return outcome.Done("No retained message of another client was delivered.");
    }
}
