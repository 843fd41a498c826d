using System.Globalization;
using MQTTnet;

namespace SmartHome.Audit.Checks;

/// <summary>
/// One QoS 1 publish of --oversize-bytes (default 1 MiB) to <c>&lt;probe root&gt;/oversize</c>, not retained. Accepted
/// (PUBACK success) is a finding; a disconnect or "packet too large" is the broker's limit at work.
/// </summary>
public sealed class OversizedPayloadCheck : IAuditCheck
{
    public string Id => "oversized-payload";

    public string Title => "Oversized payload acceptance";

    public async Task<CheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var outcome = new CheckOutcome(this);
        if (context.PrimaryIdentity is not { } identity)
        {
            return outcome.Skipped("No login to publish with: anonymous is refused and no --username was given.");
        }

        await using var client = await ProbeClient.ConnectAsync(context, identity, context.ClientId("oversize"), cancellationToken).ConfigureAwait(false);
        outcome.Exchange($"CONNECT as {identity}", client.Answer);
        if (!client.Accepted)
        {
            return outcome.Error("The login was refused: " + client.Answer);
        }

        var size = context.Options.OversizeBytes;
        // MQTTnet reports an absent Maximum Packet Size property as 0.
        var advertised = client.ConnectResult!.MaximumPacketSize is { } announced and > 0 ? announced : (uint?)null;
        var topic = context.ProbeTopic("oversize");
        var (code, answer) = await client.PublishAsync(topic, new byte[size], retain: false, cancellationToken).ConfigureAwait(false);
        if (code is null && !answer.Contains("broker disconnected", StringComparison.Ordinal) && await Task.WhenAny(client.Disconnected, Task.Delay(500, cancellationToken)).ConfigureAwait(false) == client.Disconnected)
        {
            answer += "; broker disconnected: " + ProbeClient.DescribeDisconnect(await client.Disconnected.ConfigureAwait(false));
        }

        var sent = string.Create(CultureInfo.InvariantCulture, $"PUBLISH QoS 1 of {size:N0} zero bytes to {topic}");
        outcome.Exchange(sent, answer);
        var limit = advertised is { } max ? string.Create(CultureInfo.InvariantCulture, $"the CONNACK advertises a maximum packet size of {max:N0} B") : "the CONNACK advertises no maximum packet size";
        if (code is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers)
        {
            outcome.Find(Rules.OversizedPayload, string.Create(CultureInfo.InvariantCulture, $"A {size:N0}-byte publish was accepted ({code}); {limit}."), outcome.Evidence);
            return outcome.Done("Oversized publishes are accepted.");
        }

        if (code is MqttClientPublishReasonCode.NotAuthorized && advertised is null)
        {
            outcome.Find(Rules.OversizedPayload, string.Create(CultureInfo.InvariantCulture,
                $"The broker read a {size:N0}-byte publish to the end before its ACL refused it; {limit}."), outcome.Evidence, Severity.Low);
            return outcome.Done("No packet size limit: the ACL, not a size limit, refused the probe.");
        }

        return outcome.Done($"The oversized publish was refused ({answer}); {limit}.");
    }
}
