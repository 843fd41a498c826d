namespace SmartHome.Audit.Checks;

/// <summary>
/// Opt-in (--allow-takeover), because it disconnects a client: only the audit's own connections, with its own client
/// ids, are ever displaced. A holder connects with id X; an intruder (the second identity, or anonymous when accepted,
/// else the same login) connects with id X. If the holder is dropped by another identity, any client can take over any
/// id. If only the same login was available, a third connection with a different id tells whether ids are bound to the
/// username (use_username_as_clientid) or chosen freely.
/// </summary>
public sealed class ClientIdTakeoverCheck : IAuditCheck
{
    private static readonly TimeSpan DropWait = TimeSpan.FromSeconds(2);

    public string Id => "client-id-takeover";

    public string Title => "Client-id takeover";

    public async Task<CheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var outcome = new CheckOutcome(this);
        if (!context.Options.AllowTakeover)
        {
            return outcome.Skipped("Not run: it disconnects a client (only the audit's own), so it needs --allow-takeover.");
        }

        if (context.PrimaryIdentity is not { } identity)
        {
            return outcome.Skipped("No login to connect with: anonymous is refused and no --username was given.");
        }

        var intruderIdentity = context.OtherIdentity ?? identity;
        var crossIdentity = intruderIdentity != identity || identity.IsAnonymous;
        var id = context.ClientId("holder");
        await using var holder = await ProbeClient.ConnectAsync(context, identity, id, cancellationToken).ConfigureAwait(false);
        outcome.Exchange($"holder CONNECT as {identity}, client id {id}", holder.Answer);
        if (!holder.Accepted)
        {
            return outcome.Error("The login was refused: " + holder.Answer);
        }

        await using var intruder = await ProbeClient.ConnectAsync(context, intruderIdentity, id, cancellationToken).ConfigureAwait(false);
        var dropped = await DroppedAsync(holder, cancellationToken).ConfigureAwait(false);
        outcome.Exchange($"intruder CONNECT as {intruderIdentity}, same client id {id}",
            $"{intruder.Answer}; holder {(dropped is null ? "stayed connected" : "was disconnected: " + dropped)}");
        if (dropped is null || !intruder.Accepted)
        {
            return outcome.Done($"A second connection with the same client id did not displace the first ({intruderIdentity}).");
        }

        if (crossIdentity)
        {
            outcome.Find(Rules.ClientIdTakeover, $"{Capitalize(intruderIdentity.ToString())} took over a session of {identity} by reusing its client id.",
                outcome.Evidence, Severity.High);
            return outcome.Done("Any client can take over another's client id.");
        }

        // Same login only: are ids bound to the username? Then a different id displaces the holder too.
        await using var again = await ProbeClient.ConnectAsync(context, identity, id, cancellationToken).ConfigureAwait(false);
        var otherId = context.ClientId("other");
        await using var third = await ProbeClient.ConnectAsync(context, identity, otherId, cancellationToken).ConfigureAwait(false);
        var droppedByOtherId = await DroppedAsync(again, cancellationToken).ConfigureAwait(false);
        outcome.Exchange($"holder again with {id}, then CONNECT as {identity} with a different client id {otherId}",
            $"{third.Answer}; holder {(droppedByOtherId is null ? "stayed connected: client ids are chosen by clients" : "was disconnected: the broker binds the client id to the username")}");
        if (droppedByOtherId is not null)
        {
            return outcome.Done("Client ids are bound to usernames: only the same account can displace its own connection.");
        }

        outcome.Find(Rules.ClientIdTakeover, $"Clients choose their own ids and a reused id displaces the holder (shown with one login, {identity}; any other account could do the same).",
            outcome.Evidence);
        return outcome.Done("Client ids are chosen by clients; reusing one displaces its holder.");
    }

    private static async Task<string?> DroppedAsync(ProbeClient holder, CancellationToken cancellationToken)
    {
        var finished = await Task.WhenAny(holder.Disconnected, Task.Delay(DropWait, cancellationToken)).ConfigureAwait(false);
        return finished == holder.Disconnected ? ProbeClient.DescribeDisconnect(await holder.Disconnected.ConfigureAwait(false)) : null;
    }

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
