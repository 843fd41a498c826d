using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using MQTTnet.Protocol;
using SmartHome.Contracts;

namespace SmartHome.Attacker;

/// <summary>One MQTT 5 connection of the attacker; records how the broker answered.</summary>
public sealed class AttackSession : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly BrokerTarget _target;
    private readonly Identity _identity;

    private AttackSession(BrokerTarget target, Identity identity)
    {
        _target = target;
        _identity = identity;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += args =>
        {
            Received?.Invoke(args.ApplicationMessage);
            return Task.CompletedTask;
        };
    }

    /// <summary>Called for every message the broker delivers to this connection.</summary>
    public Action<MqttApplicationMessage>? Received { get; set; }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Null when connected; otherwise why the broker (or TLS) refused.</summary>
    public string? Refusal { get; private set; }

    /// <summary>Which layer refused the connection (broker-auth or tls); null when connected.</summary>
    public string? RefusedBy { get; private set; }

    public static async Task<AttackSession> ConnectAsync(BrokerTarget target, Identity identity, CancellationToken ct, bool forcePlainTcp = false)
    {
        var session = new AttackSession(target, identity);
        await session.ConnectCoreAsync(forcePlainTcp, ct).ConfigureAwait(false);
        return session;
    }

    private readonly SemaphoreSlim _reconnect = new(1, 1);

    /// <summary>Reconnects after the broker dropped the connection (e.g. the real device with the same username came back).</summary>
    public async Task ReconnectAsync(CancellationToken ct)
    {
        await _reconnect.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!_client.IsConnected)
            {
                await ConnectCoreAsync(false, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            _reconnect.Release();
        }
    }

    /// <summary>Publishes; when the connection was lost before the PUBACK, reconnects and tries again (a few times).</summary>
    public async Task<MqttClientPublishReasonCode?> PublishWithRetryAsync(string topic, byte[] payload, string? attemptId, bool retain, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 6; attempt++)
        {
            var code = await PublishAsync(topic, payload, attemptId, retain, ct).ConfigureAwait(false);
            if (code is not null || RefusedBy is not null)
            {
                return code;
            }

            Reconnects++;
            await Task.Delay(TimeSpan.FromMilliseconds(50 * (attempt + 1)), ct).ConfigureAwait(false);
            await ReconnectAsync(ct).ConfigureAwait(false);
        }

        return null;
    }

    /// <summary>How often this session had to reconnect because the broker dropped it.</summary>
    public int Reconnects { get; private set; }

    private async Task ConnectCoreAsync(bool forcePlainTcp, CancellationToken ct)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(_target.Host, _target.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(_identity.ClientId)
            .WithCleanStart(_identity.CleanStart)
            .WithSessionExpiryInterval(_identity.SessionExpirySeconds)
            .WithTimeout(TimeSpan.FromSeconds(5));
        if (_identity.Username is not null)
        {
            builder.WithCredentials(_identity.Username, _identity.Password ?? string.Empty);
        }

        if (_target.UseTls && !forcePlainTcp)
        {
            builder.WithTlsOptions(tls =>
            {
                tls.UseTls().WithTargetHost(_target.Host);
                if (_target.CaFile is not null && File.Exists(_target.CaFile))
                {
                    tls.WithTrustChain(new X509Certificate2Collection(X509CertificateLoader.LoadCertificateFromFile(_target.CaFile)));
                }
            });
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(6));
            var result = await _client.ConnectAsync(builder.Build(), timeout.Token).ConfigureAwait(false);
            if (result.ResultCode == MqttClientConnectResultCode.Success)
            {
                Refusal = null;
                RefusedBy = null;
            }
            else
            {
                Refusal = $"CONNACK {result.ResultCode}";
                RefusedBy = Layers.BrokerAuth;
            }
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException ex)
        {
            Refusal = $"CONNACK refused: {ex.Message}";
            RefusedBy = Layers.BrokerAuth;
        }
        catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException
                                       or System.Security.Authentication.AuthenticationException or IOException
                                   && !ct.IsCancellationRequested)
        {
            Refusal = $"connection failed: {ex.GetBaseException().Message}";
            RefusedBy = forcePlainTcp || _target.UseTls ? Layers.Tls : Layers.BrokerAuth;
        }

        if (forcePlainTcp && RefusedBy is not null)
        {
            // Speaking plain MQTT to a TLS listener fails in the TLS layer, whatever MQTTnet reports.
            RefusedBy = Layers.Tls;
        }
    }

    /// <summary>Subscribes; returns the broker's answer (e.g. GrantedQoS1, NotAuthorized), or null if not connected.</summary>
    public async Task<MqttClientSubscribeResultCode?> SubscribeAsync(string filter, CancellationToken ct)
    {
        if (!_client.IsConnected)
        {
            return null;
        }

        try
        {
            var result = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build(), ct).ConfigureAwait(false);
            return result.Items.FirstOrDefault()?.ResultCode;
        }
        catch (Exception ex) when (IsConnectionLoss(ex))
        {
            // Stolen device logins are dropped when the real device reconnects (client id = username).
            return null;
        }
    }

    private static bool IsConnectionLoss(Exception ex) =>
        ex is MQTTnet.Exceptions.MqttClientDisconnectedException or MQTTnet.Exceptions.MqttClientNotConnectedException
            or MQTTnet.Exceptions.MqttCommunicationException;

    public async Task UnsubscribeAsync(string filter, CancellationToken ct)
    {
        try
        {
            if (_client.IsConnected)
            {
                await _client.UnsubscribeAsync(filter, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (IsConnectionLoss(ex))
        {
            // Nothing to undo on a connection that is already gone.
        }
    }

    /// <summary>Publishes at QoS 1 with the attempt id; returns the PUBACK reason code, or null if the connection was lost.</summary>
    public async Task<MqttClientPublishReasonCode?> PublishAsync(string topic, byte[] payload, string? attemptId, bool retain,
        CancellationToken ct, MQTTnet.Packets.MqttUserProperty? extra = null)
    {
        if (!_client.IsConnected)
        {
            return null;
        }

        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain);
        if (attemptId is not null)
        {
            builder.WithUserProperty(SmartHome.Messaging.MessageProperties.AttemptId, System.Text.Encoding.UTF8.GetBytes(attemptId).AsMemory());
        }

        if (extra is not null)
        {
            builder.WithUserProperty(extra.Name, extra.ValueBuffer);
        }

        try
        {
            var result = await _client.PublishAsync(builder.Build(), ct).ConfigureAwait(false);
            return result.ReasonCode;
        }
        catch (Exception ex) when (IsConnectionLoss(ex) || ex is OperationCanceledException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>
    /// Publishes a pre-built message as it is (the flood builds them at QoS 0: fire-and-forget, no PUBACK to wait for).
    /// Returns false when the connection is gone; the caller decides whether to reconnect.
    /// </summary>
    public async ValueTask<bool> PublishPrebuiltAsync(MqttApplicationMessage message, CancellationToken ct)
    {
        if (!_client.IsConnected)
        {
            return false;
        }

        try
        {
            await _client.PublishAsync(message, ct).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (IsConnectionLoss(ex) || ex is OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            try
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
                // already gone
            }
        }

        _client.Dispose();
        _reconnect.Dispose();
    }
}
