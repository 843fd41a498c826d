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
public sealed class SensorPublisher : IAsyncDisposable
{
    private readonly IMessageProtection _protection;
    private readonly TimeProvider _clock;
    private readonly string _pipeline;
    private readonly Dictionary<string, MqttConnection> _connections;
    private readonly KeyValuePair<string, object?> _pipelineTag;

    public SensorPublisher(HomeSimulator home, IMessageProtection protection, IConfiguration configuration,
        ILoggerFactory loggers, TimeProvider clock)
    {
        _protection = protection;
        _clock = clock;
        _pipeline = configuration["Pipeline"] ?? "insecure";
        _pipelineTag = new(Attr.Pipeline, _pipeline);
        Home = home;
        var logger = loggers.CreateLogger<SensorPublisher>();
        _connections = home.Devices.ToDictionary(
            d => d.DeviceId,
            d => BrokerClientFactory.Create(configuration, d.DeviceId, $"{_pipeline}-{d.DeviceId}", logger));
    }

    public HomeSimulator Home { get; }

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

        var topic = Topics.Readings(device.DeviceId);
        using var activity = SmartHomeTelemetry.ActivitySource.StartActivity($"publish {topic}", ActivityKind.Producer);
        activity?.SetTag(Attr.MessagingSystem, "mqtt");
        activity?.SetTag(Attr.MessagingDestination, topic);
        activity?.SetTag(Attr.MessagingOperationType, "publish");
        activity?.SetTag(Attr.MessagingMessageId, reading.MessageId);
        activity?.SetTag(Attr.Pipeline, _pipeline);
        activity?.SetTag(Attr.Device, device.DeviceId);

        var outbound = _protection.Protect(device.DeviceId, reading.ToUtf8Json());
        var connection = _connections[device.DeviceId];
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

            await connection.PublishAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        }

        Interlocked.Increment(ref _published);
        SmartHomeTelemetry.ReadingsPublished.Add(1, _pipelineTag);
        return reading.MessageId;
    }

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
