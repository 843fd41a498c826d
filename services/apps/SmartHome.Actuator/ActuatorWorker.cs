using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using SmartHome.Messaging;

namespace SmartHome.Actuator;

/// <summary>Keeps the actuator's broker connection and feeds every message to the processor.</summary>
public sealed partial class ActuatorWorker : BackgroundService
{
    private readonly MqttConnection _connection;
    private readonly ReadingProcessor _processor;
    private readonly ILogger<ActuatorWorker> _logger;

    public ActuatorWorker(IConfiguration configuration, IOptions<ActuatorOptions> actuatorOptions, IMessageProtection protection,
        ReadingProcessor processor, ILogger<ActuatorWorker> logger)
    {
        _processor = processor;
        _logger = logger;
        var options = BrokerClientFactory.CreateOptions(configuration, "actuator", $"{processor.Pipeline}-actuator");
        // A persistent session makes the broker queue QoS 1 readings while the actuator restarts.
        options.CleanStart = false;
        options.SessionExpirySeconds = actuatorOptions.Value.SessionExpirySeconds;
        _connection = new MqttConnection(options, logger);
        foreach (var filter in protection.SubscriptionFilters)
        {
            _connection.Subscribe(filter);
        }

        _connection.MessageReceived = args =>
        {
            _processor.Process(args.ApplicationMessage.Topic, args.ApplicationMessage.Payload, args.ApplicationMessage.UserProperties,
                redelivered: args.ApplicationMessage.Dup);
            return Task.CompletedTask;
        };
    }

    public bool IsConnected => _connection.IsConnected;

    public string Pipeline => _processor.Pipeline;

    /// <summary>Publishes one of the actuator's own messages (an acknowledgement) with QoS 1, waiting for the broker if it is away.</summary>
    public Task PublishAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        return _connection.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(message.Topic)
            .WithPayload(message.Payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(message.Retain)
            .Build(), cancellationToken);
    }

    public string? LastError => _connection.LastError;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _connection.StartAsync(stoppingToken).ConfigureAwait(false);
            LogListening(_logger, _processor.Pipeline);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // shutting down before the broker answered
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(LogLevel.Information, "Actuator of the {Pipeline} pipeline is listening")]
    private static partial void LogListening(ILogger logger, string pipeline);
}
