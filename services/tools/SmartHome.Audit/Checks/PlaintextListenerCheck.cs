using System.Globalization;

namespace SmartHome.Audit.Checks;

/// <summary>
/// Beside a TLS listener: does the same host answer plain MQTT on --plaintext-port (default 1883)? The probe is an
/// anonymous CONNECT; the audit never sends a password over plaintext.
/// </summary>
public sealed class PlaintextListenerCheck : IAuditCheck
{
    public string Id => "plaintext-listener";

    public string Title => "Plaintext listener beside TLS";

    public async Task<CheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var outcome = new CheckOutcome(this);
        var port = context.Options.PlaintextPort;
        if (!context.Broker.Tls)
        {
            return outcome.Skipped("The audited listener is itself plaintext (see the tls check).");
        }

        if (port == 0 || port == context.Broker.Port)
        {
            return outcome.Skipped("No plaintext port to probe (--plaintext-port 0 or the TLS port itself).");
        }

        await using var client = await ProbeClient.ConnectAsync(context, BrokerIdentity.Anonymous, context.ClientId("plaintext"), cancellationToken,
            port: port, tls: false).ConfigureAwait(false);
        var target = string.Create(CultureInfo.InvariantCulture, $"{context.Address}:{port}");
        outcome.Exchange($"plaintext CONNECT (MQTT 5, no username, no password) to {target}", client.Answer);
        if (client.ConnectResult is null)
        {
            return outcome.Done($"Nothing speaks plain MQTT on {target}.");
        }

        if (client.Accepted)
        {
            outcome.Find(Rules.PlaintextListener, $"A plaintext listener on {target} accepts anonymous clients beside the TLS listener.", outcome.Evidence, Severity.High);
        }
        else
        {
            outcome.Find(Rules.PlaintextListener, $"A plaintext MQTT listener answers on {target} ({client.ConnectResult.ResultCode}); clients using it send passwords in clear.",
                outcome.Evidence);
        }

        return outcome.Done($"Plain MQTT answers on {target}.");
    }
}
