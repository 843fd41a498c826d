using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace SmartHome.Audit;

/// <summary>
/// One MQTT 5 connection of the audit to the audited broker: connects, records the CONNACK, collects received messages
/// (bounded) and how the broker ended the connection. Every exchange is described for the evidence, never a password.
/// Over TLS it accepts any certificate: the TLS check judges the certificate; the other checks need a connection.
/// </summary>
public sealed class ProbeClient : IAsyncDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly ConcurrentQueue<MqttApplicationMessage> _messages = new();
    private readonly TaskCompletionSource<MqttClientDisconnectedEventArgs> _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _maxMessages;
    private int _messageCount;
    private volatile bool _connected;

    private ProbeClient(int maxMessages)
    {
        _maxMessages = maxMessages;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            if (Interlocked.Increment(ref _messageCount) <= _maxMessages)
            {
                _messages.Enqueue(e.ApplicationMessage);
            }

            return Task.CompletedTask;
        };
        _client.DisconnectedAsync += e =>
        {
            if (_connected)
            {
                _disconnected.TrySetResult(e);
            }

            return Task.CompletedTask;
        };
    }

    public MqttClientConnectResult? ConnectResult { get; private set; }

    /// <summary>The CONNACK (or the failure) as evidence text.</summary>
    public string Answer { get; private set; } = "not connected";

    public bool IsConnected => _client.IsConnected;

    public bool Accepted => ConnectResult?.ResultCode == MqttClientConnectResultCode.Success;

    /// <summary>Messages received so far (at most the audit's bound), in arrival order.</summary>
    public IReadOnlyList<MqttApplicationMessage> Messages => [.. _messages];

    /// <summary>Completes when the broker ends an accepted connection.</summary>
    public Task<MqttClientDisconnectedEventArgs> Disconnected => _disconnected.Task;

    /// <summary>Connects to the audited broker (or, with <paramref name="port"/>/<paramref name="tls"/>, to another listener of the same host).</summary>
    public static async Task<ProbeClient> ConnectAsync(AuditContext context, BrokerIdentity identity, string clientId,
        CancellationToken cancellationToken, bool cleanStart = true, uint sessionExpiry = 0, int? port = null, bool? tls = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(identity);
        var probe = new ProbeClient(context.Options.MaxMessages);
        var builder = new MqttClientOptionsBuilder()
            .WithEndPoint(new IPEndPoint(context.Address, port ?? context.Broker.Port))
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithCleanStart(cleanStart)
            .WithSessionExpiryInterval(sessionExpiry)
            .WithTimeout(ConnectTimeout);
        if (identity.Username is not null)
        {
            builder.WithCredentials(identity.Username, identity.Password ?? string.Empty);
        }

        if (tls ?? context.Broker.Tls)
        {
            builder.WithTlsOptions(o => o.UseTls().WithTargetHost(context.Broker.Host).WithCertificateValidationHandler(_ => true));
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(ConnectTimeout + TimeSpan.FromSeconds(1));
            probe.ConnectResult = await probe._client.ConnectAsync(builder.Build(), timeout.Token).ConfigureAwait(false);
            probe._connected = probe.Accepted;
            probe.Answer = Describe(probe.ConnectResult);
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException ex)
        {
            // MQTTnet 5 reports a refusing CONNACK as this exception with the reason code's name in its message.
            var code = Enum.GetValues<MqttClientConnectResultCode>().Where(c => c != MqttClientConnectResultCode.Success)
                .Select(c => (MqttClientConnectResultCode?)c).FirstOrDefault(c => ex.Message.Contains(c.ToString()!, StringComparison.Ordinal));
            probe.ConnectResult = code is null ? null : new MqttClientConnectResult { ResultCode = code.Value };
            probe.Answer = code is null ? $"no CONNACK: {ex.GetBaseException().Message}" : $"CONNACK {code}";
        }
        catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or System.Net.Sockets.SocketException
                                       or IOException or System.Security.Authentication.AuthenticationException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            probe.Answer = $"no CONNACK: {ex.GetBaseException().Message}";
        }

        return probe;
    }

    /// <summary>Subscribes to each filter separately and returns each answer ("# → GrantedQoS0").</summary>
    public async Task<IReadOnlyList<string>> SubscribeAsync(CancellationToken cancellationToken, params string[] filters)
    {
        var answers = new List<string>();
        foreach (var filter in filters)
        {
            try
            {
                var result = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                    .WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancellationToken).ConfigureAwait(false);
                answers.Add($"{filter} → {string.Join(',', result.Items.Select(i => i.ResultCode))}");
            }
            catch (Exception ex) when (ex is MqttCommunicationException or InvalidOperationException)
            {
                answers.Add($"{filter} → no SUBACK ({ex.GetBaseException().Message})");
            }
        }

        return answers;
    }

    /// <summary>Publishes one QoS 1 message; returns the PUBACK reason code, or null when none came, and what the broker answered in words.</summary>
    public async Task<(MqttClientPublishReasonCode? Code, string Answer)> PublishAsync(string topic, ReadOnlyMemory<byte> payload, bool retain,
        CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            var result = await _client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(payload.ToArray())
                .WithRetainFlag(retain)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build(), timeout.Token).ConfigureAwait(false);
            return (result.ReasonCode, $"PUBACK {result.ReasonCode}");
        }
        catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var disconnect = _disconnected.Task.IsCompleted ? $"; broker disconnected: {DescribeDisconnect(_disconnected.Task.Result)}" : string.Empty;
            return (null, $"no PUBACK ({ex.GetBaseException().Message}){disconnect}");
        }
    }

    /// <summary>Waits until <paramref name="predicate"/> holds for a received message, or <paramref name="timeout"/> passes.</summary>
    public async Task<MqttApplicationMessage?> WaitForAsync(Func<MqttApplicationMessage, bool> predicate, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var hit = _messages.FirstOrDefault(predicate);
            if (hit is not null || DateTime.UtcNow >= deadline)
            {
                return hit;
            }

            await Task.Delay(25, cancellationToken).ConfigureAwait(false);
        }
    }

    public static string DescribeDisconnect(MqttClientDisconnectedEventArgs e) =>
        e.ReasonString is { Length: > 0 } reason ? $"{e.Reason} ({reason})" : e.Reason.ToString();

    /// <summary>A received message as evidence: topic, size, retain flag and a short printable preview.</summary>
    public static string DescribeMessage(MqttApplicationMessage message, int previewChars = 40)
    {
        ArgumentNullException.ThrowIfNull(message);
        var payload = message.Payload;
        var text = payload.Length == 0 ? string.Empty : Encoding.UTF8.GetString(payload.Slice(0, Math.Min(payload.Length, previewChars * 4)));
        var printable = new string([.. text.Where(c => !char.IsControl(c)).Take(previewChars)]);
        var more = text.Length > printable.Length ? "…" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"{message.Topic} ({payload.Length} B{(message.Retain ? ", retained" : string.Empty)}): \"{printable}{more}\"");
    }

    private static string Describe(MqttClientConnectResult result)
    {
        var parts = new List<string> { $"CONNACK {result.ResultCode}" };
        if (result.ResultCode == MqttClientConnectResultCode.Success)
        {
            parts.Add($"session present: {(result.IsSessionPresent ? "yes" : "no")}");
            if (result.MaximumPacketSize is { } max and > 0)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture, $"maximum packet size: {max}"));
            }

            if (result.AssignedClientIdentifier is { Length: > 0 } assigned)
            {
                parts.Add($"assigned client id: {assigned}");
            }
        }

        if (result.ReasonString is { Length: > 0 } reason)
        {
            parts.Add($"reason: {reason}");
        }

        return string.Join("; ", parts);
    }

    public async ValueTask DisposeAsync()
    {
        _connected = false;
        if (_client.IsConnected)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
            {
                // The broker may already have closed it; nothing is left to release but the client.
            }
        }

        _client.Dispose();
    }
}
