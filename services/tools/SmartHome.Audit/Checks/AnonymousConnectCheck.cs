namespace SmartHome.Audit.Checks;

/// <summary>Sends a CONNECT with no username and password on the audited listener.</summary>
public sealed class AnonymousConnectCheck : IAuditCheck
{
    public string Id => "anonymous-connect";

    public string Title => "Anonymous connect";

    public async Task<CheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var outcome = new CheckOutcome(this);
        await using var client = await ProbeClient.ConnectAsync(context, BrokerIdentity.Anonymous, context.ClientId("anonymous"), cancellationToken).ConfigureAwait(false);
        outcome.Exchange($"CONNECT (MQTT 5, no username, no password) to {context.Broker}", client.Answer);
        if (client.ConnectResult is null)
        {
            return outcome.Error("The broker gave no CONNACK, so anonymous access is unknown: " + client.Answer);
        }

        if (client.ConnectResult.ResultCode == MQTTnet.MqttClientConnectResultCode.UnsupportedProtocolVersion)
        {
            return outcome.Error("The broker does not speak MQTT 5, which the audit needs: " + client.Answer);
        }

        context.AnonymousAccepted = client.Accepted;
        if (client.Accepted)
        {
            outcome.Find(Rules.AnonymousAccess, "The broker accepted a connection without credentials.", outcome.Evidence);
            return outcome.Done("Anonymous clients are accepted.");
        }

        return outcome.Done($"Anonymous clients are refused ({client.ConnectResult.ResultCode}).");
    }
}
