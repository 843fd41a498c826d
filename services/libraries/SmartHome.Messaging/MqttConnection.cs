using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace SmartHome.Messaging;

/// <summary>
/// One MQTT 5 client that stays connected: it retries with exponential backoff and jitter after any
/// loss of the broker, re-subscribes when the broker lost the session, and lets publishers wait for
/// the connection instead of failing. MQTTnet 5 has no managed client, so this is ours.
/// </summary>
public sealed partial class MqttConnection : IAsyncDisposable
{
    private readonly MqttConnectionOptions _options;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly List<(string Filter, MqttQualityOfServiceLevel Qos)> _subscriptions = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private TaskCompletionSource _connected = NewSignal();
    private TaskCompletionSource _disconnected = NewSignal();
    private Task? _reconnectLoop;
    private int _reconnects;

    public MqttConnection(MqttConnectionOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _ = options.ParseEndpoint(); // fail fast on a bad connection string
        _client = new MqttClientFactory().CreateMqttClient();
        _client.DisconnectedAsync += OnDisconnectedAsync;
        _client.ApplicationMessageReceivedAsync += args => MessageReceived?.Invoke(args) ?? Task.CompletedTask;
    }

    /// <summary>Called on MQTTnet's receive loop for each message; keep it short.</summary>
    public Func<MqttApplicationMessageReceivedEventArgs, Task>? MessageReceived { get; set; }

    public bool IsConnected => _client.IsConnected;

    /// <summary>Number of successful reconnections after the first connect.</summary>
    public int Reconnects => Volatile.Read(ref _reconnects);

    /// <summary>The last reason a connect attempt failed, for health checks and errors.</summary>
    public string? LastError { get; private set; }

    public string ClientId => _options.ClientId;

    /// <summary>Adds a subscription that survives reconnects. Call before <see cref="StartAsync"/>.</summary>
    public void Subscribe(string filter, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtLeastOnce) =>
        _subscriptions.Add((filter, qos));

    /// <summary>Starts connecting in the background; returns once the first connect succeeded or <paramref name="cancellationToken"/> fires.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _reconnectLoop ??= Task.Run(() => ConnectLoopAsync(_stopping.Token), CancellationToken.None);
        }

        await WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until the client is connected.</summary>
    public Task WaitConnectedAsync(CancellationToken cancellationToken)
    {
        Task signal;
        lock (_gate)
        {
            signal = _connected.Task;
        }

        return signal.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Publishes, waiting for the connection when the broker is away. A publish that fails because the
    /// connection dropped is retried after reconnecting (at-least-once, like QoS 1 itself).
    /// </summary>
    public async Task<MqttClientPublishResult> PublishAsync(MqttApplicationMessage message, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_client.IsConnected)
            {
                await WaitConnectedAsync(cancellationToken).ConfigureAwait(false);
            }

            try
            {
                return await _client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Exceptions.MqttClientNotConnectedException
                                           or OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                LogPublishInterrupted(_logger, message.Topic, ex.Message);
                MarkAsRetransmission(message);
                await Task.Delay(_options.MinBackoff, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The interrupted attempt may have reached the broker and been forwarded; the flag lets the receiver drop the
    /// second copy by message id (see <see cref="MessageProperties.Retransmission"/>).
    /// </summary>
    private static void MarkAsRetransmission(MqttApplicationMessage message)
    {
        message.UserProperties ??= [];
        if (!message.UserProperties.Exists(p => p.Name == MessageProperties.Retransmission))
        {
            message.UserProperties.Add(new MqttUserProperty(MessageProperties.Retransmission, "1"u8.ToArray().AsMemory()));
        }
    }

    private async Task ConnectLoopAsync(CancellationToken stopping)
    {
        var (host, port, useTls) = _options.ParseEndpoint();
        var attempt = 0;
        var everConnected = false;
        while (!stopping.IsCancellationRequested)
        {
            if (_client.IsConnected)
            {
                // Wait for the next disconnect to restart the loop.
                await WaitDisconnectedAsync(stopping).ConfigureAwait(false);
                continue;
            }

            try
            {
                lock (_gate)
                {
                    // Armed before connecting, so a disconnect right after the connect is not missed.
                    if (_disconnected.Task.IsCompleted)
                    {
                        _disconnected = NewSignal();
                    }
                }

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                timeout.CancelAfter(_options.ConnectTimeout);
                var result = await _client.ConnectAsync(BuildClientOptions(host, port, useTls), timeout.Token).ConfigureAwait(false);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    throw new BrokerRefusedException(result.ResultCode, result.ReasonString);
                }

                if (!result.IsSessionPresent)
                {
                    await SubscribeAllAsync(stopping).ConfigureAwait(false);
                }

                if (everConnected)
                {
                    Interlocked.Increment(ref _reconnects);
                }

                everConnected = true;
                attempt = 0;
                LastError = null;
                LogConnected(_logger, host, port, _options.ClientId, useTls, result.IsSessionPresent);
                lock (_gate)
                {
                    _connected.TrySetResult();
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LastError = Describe(ex, host, port);
                var delay = Backoff(attempt++);
                LogConnectFailed(_logger, host, port, _options.ClientId, LastError, (int)delay.TotalMilliseconds);
                try
                {
                    await Task.Delay(delay, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task WaitDisconnectedAsync(CancellationToken stopping)
    {
        Task disconnected;
        lock (_gate)
        {
            disconnected = _disconnected.Task;
        }

        try
        {
            await disconnected.WaitAsync(stopping).ConfigureAwait(false);
            // Not straight back: with client id = username, a second holder of this login (a client-id takeover)
            // and this client would knock each other off in a tight loop; the old 200 ms poll damped that too.
            await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(100, 300)), stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs args)
    {
        lock (_gate)
        {
            if (_connected.Task.IsCompleted)
            {
                _connected = NewSignal();
            }

            _disconnected.TrySetResult();
        }

        if (args.ClientWasConnected && !_stopping.IsCancellationRequested)
        {
            LogDisconnected(_logger, args.ReasonString ?? args.Reason.ToString());
        }

        return Task.CompletedTask;
    }

    private async Task SubscribeAllAsync(CancellationToken cancellationToken)
    {
        if (_subscriptions.Count == 0)
        {
            return;
        }

        var builder = new MqttClientSubscribeOptionsBuilder();
        foreach (var (filter, qos) in _subscriptions)
        {
            builder.WithTopicFilter(filter, qos);
        }

        var result = await _client.SubscribeAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        foreach (var item in result.Items)
        {
            if ((int)item.ResultCode > (int)MqttClientSubscribeResultCode.GrantedQoS2)
            {
                // Not fatal: an ACL may refuse a filter; the refusal must be visible.
                LogSubscriptionRefused(_logger, item.TopicFilter.Topic, item.ResultCode);
            }
        }
    }

    internal MqttClientOptions BuildClientOptions(string host, int port, bool useTls)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
            .WithClientId(_options.ClientId)
            .WithCleanStart(_options.CleanStart)
            .WithSessionExpiryInterval(_options.SessionExpirySeconds)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(15))
            .WithTimeout(_options.ConnectTimeout)
            // One write per packet: by default MQTTnet writes a packet's header and its payload in two calls, i.e. two
            // send system calls (two TLS records on the secure pipeline) per message; a loopback send costs ≈ 40 µs here.
            .WithoutPacketFragmentation();
        if (!string.IsNullOrEmpty(_options.Username))
        {
            builder.WithCredentials(_options.Username, _options.Password ?? string.Empty);
        }

        if (useTls)
        {
            var ca = LoadCa();
            builder.WithTlsOptions(tls => tls
                .UseTls()
                .WithTargetHost(host)
                .WithCertificateValidationHandler(context => ValidateAgainstCa(context.Certificate, context.SslPolicyErrors, ca)));
        }

        return builder.Build();
    }

    private X509Certificate2? LoadCa()
    {
        if (string.IsNullOrEmpty(_options.CaCertificatePath))
        {
            return null; // fall back to the system trust store
        }

        if (!File.Exists(_options.CaCertificatePath))
        {
            throw new FileNotFoundException($"Broker CA certificate '{_options.CaCertificatePath}' does not exist (run KeyGen).", _options.CaCertificatePath);
        }

        return X509CertificateLoader.LoadCertificateFromFile(_options.CaCertificatePath);
    }

    /// <summary>Accepts the broker certificate only if it chains to our own CA and names the host.</summary>
    internal static bool ValidateAgainstCa(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2? ca)
    {
        if (ca is null)
        {
            return errors == SslPolicyErrors.None;
        }

        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0
                                || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    private TimeSpan Backoff(int attempt)
    {
        var exponent = Math.Min(attempt, 10);
        var ms = Math.Min(_options.MaxBackoff.TotalMilliseconds, _options.MinBackoff.TotalMilliseconds * Math.Pow(2, exponent));
        // Jitter spreads reconnects of many clients after a broker restart.
        return TimeSpan.FromMilliseconds(ms * (0.5 + Random.Shared.NextDouble() * 0.5));
    }

    private string Describe(Exception ex, string host, int port) => ex switch
    {
        BrokerRefusedException refused => refused.Message,
        MQTTnet.Adapter.MqttConnectingFailedException failed =>
            $"broker refused the connection for user '{_options.Username ?? "(anonymous)"}': {failed.Message}",
        OperationCanceledException => $"no answer from {host}:{port} within {_options.ConnectTimeout.TotalSeconds:0} s",
        FileNotFoundException or FormatException => ex.Message,
        _ => ex.GetBaseException().Message,
    };

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_reconnectLoop is not null)
        {
            try
            {
                await _reconnectLoop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // stopping
            }
        }

        if (_client.IsConnected)
        {
            try
            {
                // Bounded: a broker that died without closing the socket must not hold up the service's shutdown.
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
            {
                // the broker is already gone
            }
        }

        _client.Dispose();
        _stopping.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Publish to {Topic} interrupted ({Error}); retrying after reconnect")]
    private static partial void LogPublishInterrupted(ILogger logger, string topic, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to broker {Host}:{Port} as {ClientId} (tls={Tls}, session present={SessionPresent})")]
    private static partial void LogConnected(ILogger logger, string host, int port, string? clientId, bool tls, bool sessionPresent);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cannot connect to broker {Host}:{Port} as {ClientId}: {Error}. Retrying in {DelayMs} ms")]
    private static partial void LogConnectFailed(ILogger logger, string host, int port, string? clientId, string? error, int delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Disconnected from broker ({Reason}); reconnecting with backoff")]
    private static partial void LogDisconnected(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Broker refused subscription {Filter}: {Code}")]
    private static partial void LogSubscriptionRefused(ILogger logger, string filter, MqttClientSubscribeResultCode code);
}
