using System.Buffers;
using System.Diagnostics;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;
using SmartHome.Messaging;
using SmartHome.ServiceDefaults;
using Attr = SmartHome.ServiceDefaults.SmartHomeTelemetry.Attributes;

namespace SmartHome.Sensor;

/// <summary>
/// Publishes readings: one broker connection per device (each device is its own broker user),
/// the pipeline's protection applied, W3C trace context in user properties.
/// </summary>
public sealed partial class SensorPublisher : IAsyncDisposable
{
    private readonly IMessageProtection _protection;
    private readonly TimeProvider _clock;
    private readonly string _pipeline;
    private readonly Dictionary<string, MqttConnection> _connections;
    private readonly KeyValuePair<string, object?> _pipelineTag;

    private readonly SensorOutbox _outbox;
    private readonly SessionRenewal _renewal;
    private readonly ILogger _logger;

    public SensorPublisher(HomeSimulator home, IMessageProtection protection, SensorOutbox outbox, AckHandler acks, SessionRenewal renewal,
        IConfiguration configuration, ILoggerFactory loggers, TimeProvider clock)
    {
        _protection = protection;
        _outbox = outbox;
        _renewal = renewal;
        _clock = clock;
        _pipeline = configuration["Pipeline"] ?? "insecure";
        _pipelineTag = new(Attr.Pipeline, _pipeline);
        Home = home;
        var logger = loggers.CreateLogger<SensorPublisher>();
        _logger = logger;
        _connections = home.Devices.ToDictionary(
            d => d.DeviceId,
            d => BrokerClientFactory.Create(configuration, d.DeviceId, $"{_pipeline}-{d.DeviceId}", logger));
        foreach (var (deviceId, connection) in _connections)
        {
            // Each device hears only its own acknowledgements (the secure broker's ACL lets it read nothing else).
            connection.Subscribe(Topics.Acks(deviceId));
            connection.MessageReceived = args =>
            {
                acks.Handle(deviceId, args.ApplicationMessage.Topic, args.ApplicationMessage.Payload.ToArray(),
                    TraceContextPropagation.Find(args.ApplicationMessage.UserProperties, MessageProperties.AttemptId));
                return Task.CompletedTask;
            };
        }
    }

    public HomeSimulator Home { get; }

    public string Pipeline => _pipeline;

    public long Published => Interlocked.Read(ref _published);

    private long _published;

    public bool AllConnected => _connections.Values.All(c => c.IsConnected);

    public string? LastError => _connections.Values.Select(c => c.LastError).FirstOrDefault(e => e is not null);

    public Task StartAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(_connections.Values.Select(c => c.StartAsync(cancellationToken)));

    /// <summary>Measures, protects and publishes one reading of <paramref name="device"/>; returns its message id.</summary>
    public async Task<string> PublishReadingAsync(SimulatedDevice device, CancellationToken cancellationToken)
    {
        var reading = new DeviceReading(
            MessageId: Guid.CreateVersion7().ToString("N"),
            DeviceId: device.DeviceId,
            Kind: device.Kind,
            Value: device.NextValue(),
            Sequence: device.NextSequence(),
            SentAtMicros: DeviceReading.NowMicros(_clock));

        using var activity = StartPublishActivity(device.DeviceId, reading.MessageId);

        var bytes = reading.ToUtf8Json();
        // In the outbox file before it is on the wire: until the actuator acknowledges it, the outbox sends it again, also
        // after a crash of this process. The fsync that makes it survive a power loss too runs beside the send rather than
        // before it: a power loss before the fsync loses the reading either way, unless the send had already delivered it.
        OutboxAdmission admission;
        try
        {
            admission = _outbox.Admit(device.DeviceId, reading.MessageId, bytes);
        }
        catch (OutboxFullException ex)
        {
            SmartHomeTelemetry.OutboxDropped.Add(1, _pipelineTag, new(Attr.OutboxDropReason, "full"));
            LogRefusedFull(_logger, reading.MessageId, device.DeviceId, ex.Message);
            throw;
        }

        foreach (var entry in admission.Dropped)
        {
            ReportDropped(_logger, entry, OutboxRemoval.DroppedFull, _pipeline);
        }

        var send = SendAsync(device.DeviceId, bytes, activity, retransmission: false, cancellationToken);
        await Task.WhenAll(admission.Durable, send).ConfigureAwait(false);
        _outbox.MarkSent(reading.MessageId);
        Interlocked.Increment(ref _published);
        SmartHomeTelemetry.ReadingsPublished.Add(1, _pipelineTag);
        return reading.MessageId;
    }

    /// <summary>
    /// Sends an unacknowledged reading again: the same reading bytes, protected anew (secure: a fresh counter and timestamp,
    /// so it passes the replay window and freshness; the actuator's applied journal keeps it from being applied twice),
    /// flagged as a retransmission, under a new session key when <see cref="SessionRenewal"/> says so (the actuator may
    /// never have had the current one). Skipped while the device is disconnected (it comes due again after its backoff).
    /// </summary>
    public async Task RetransmitAsync(OutboxEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!_connections.TryGetValue(entry.DeviceId, out var connection) || !connection.IsConnected)
        {
            return;
        }

        if (_renewal.ShouldRenewBeforeRetransmission(entry.DeviceId))
        {
            // Sealed with this retransmission, so the announcement goes on the wire right before it, on the same connection.
            _protection.RenewSessionAtNextSend(entry.DeviceId);
            LogRenewing(_logger, entry.DeviceId, entry.MessageId);
        }

        using var activity = StartPublishActivity(entry.DeviceId, entry.MessageId);
        activity?.SetTag("smarthome.retransmission", entry.Attempts);
        await SendAsync(entry.DeviceId, entry.Reading, activity, retransmission: true, cancellationToken).ConfigureAwait(false);
        if (_outbox.MarkSent(entry.MessageId))
        {
            SmartHomeTelemetry.OutboxRetransmissions.Add(1, _pipelineTag);
        }
    }

    /// <summary>The producer span of one reading's publish, first send or retransmission alike.</summary>
    private Activity? StartPublishActivity(string deviceId, string messageId)
    {
        var topic = Topics.Readings(deviceId);
        var activity = SmartHomeTelemetry.ActivitySource.StartActivity($"publish {topic}", ActivityKind.Producer);
        activity?.SetTag(Attr.MessagingSystem, "mqtt");
        activity?.SetTag(Attr.MessagingDestination, topic);
        activity?.SetTag(Attr.MessagingOperationType, "publish");
        activity?.SetTag(Attr.MessagingMessageId, messageId);
        activity?.SetTag(Attr.Pipeline, _pipeline);
        activity?.SetTag(Attr.Device, deviceId);
        return activity;
    }

    private async Task SendAsync(string deviceId, byte[] reading, Activity? activity, bool retransmission, CancellationToken cancellationToken)
    {
        var outbound = _protection.Protect(deviceId, reading);
        var connection = _connections[deviceId];
        foreach (var message in outbound)
        {
            var properties = new List<MqttUserProperty>(2);
            if (activity is not null)
            {
                TraceContextPropagation.Inject(activity.Context, properties);
            }

            var builder = new MqttApplicationMessageBuilder()
                .WithTopic(message.Topic)
                .WithPayload(message.Payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag(message.Retain);
            foreach (var property in properties)
            {
                builder.WithUserProperty(property.Name, property.ValueBuffer);
            }

            if (retransmission && !message.Retain)
            {
                builder.WithUserProperty(MessageProperties.Retransmission, "1"u8.ToArray().AsMemory());
            }

            await connection.PublishAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A reading the outbox dropped by its bounds: never applied, so a loss, and reported as one.</summary>
    public static void ReportDropped(ILogger logger, OutboxEntry entry, OutboxRemoval why, string pipeline)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var reason = SensorOutbox.Name(why);
        SmartHomeTelemetry.OutboxDropped.Add(1, new KeyValuePair<string, object?>(Attr.Pipeline, pipeline), new(Attr.OutboxDropReason, reason));
        LogDropped(logger, entry.MessageId, entry.DeviceId, reason, entry.Attempts);
    }

    [LoggerMessage(LogLevel.Warning, "Reading {MessageId} of {DeviceId} is lost: the outbox dropped it unacknowledged ({Reason}) after {Attempts} sends")]
    private static partial void LogDropped(ILogger logger, string messageId, string deviceId, string reason, int attempts);

    [LoggerMessage(LogLevel.Information,
        "Reading {MessageId} of {DeviceId} went unacknowledged: sending it again under a new session key, in case the actuator missed the current key's announcement")]
    private static partial void LogRenewing(ILogger logger, string deviceId, string messageId);

    [LoggerMessage(LogLevel.Warning, "Reading {MessageId} of {DeviceId} is lost: {Error}")]
    private static partial void LogRefusedFull(ILogger logger, string messageId, string deviceId, string error);

    /// <summary>Publishes protocol messages (e.g. key announcements) on the connection of the device that owns each topic.</summary>
    public async Task<int> PublishAllAsync(IReadOnlyList<OutboundMessage> messages, CancellationToken cancellationToken)
    {
        foreach (var message in messages)
        {
            if (!Topics.TryGetDeviceId(message.Topic, out var deviceId) || !_connections.TryGetValue(deviceId, out var connection))
            {
                throw new InvalidOperationException($"No device connection owns topic '{message.Topic}'.");
            }

            await connection.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(message.Topic)
                .WithPayload(message.Payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag(message.Retain)
                .Build(), cancellationToken).ConfigureAwait(false);
        }

        return messages.Count;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections.Values)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
