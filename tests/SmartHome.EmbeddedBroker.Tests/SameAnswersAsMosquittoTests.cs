using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace SmartHome.EmbeddedBroker.Tests;

/// <summary>
/// Every scenario runs against the real Mosquitto 2.0 and the embedded broker started from the same files; the two
/// outcomes (CONNACK/SUBACK/PUBACK codes and what each subscriber received) must be identical, and are also checked
/// against what the secure design requires so that both cannot be wrong the same way.
/// </summary>
public sealed partial class SameAnswersAsMosquittoTests(BrokerPair brokers, ITestOutputHelper output) : IClassFixture<BrokerPair>
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(800);

    private async Task<string> SameOnBothAsync(bool secure, Func<BrokerTarget, Task<string>> scenario)
    {
        var mosquitto = await scenario(secure ? brokers.MosquittoSecure : brokers.MosquittoInsecure);
        var embedded = await scenario(secure ? brokers.EmbeddedSecure : brokers.EmbeddedInsecure);
        output.WriteLine($"mosquitto: {mosquitto}");
        output.WriteLine($"embedded:  {embedded}");
        Assert.Equal(mosquitto, embedded);
        return mosquitto;
    }

    [ToolFact("mosquitto")]
    public async Task Logins_anonymous_wrong_password_unknown_user_right_password_and_tls_trust()
    {
        var outcome = await SameOnBothAsync(secure: true, async target =>
        {
            var anonymous = await ConnectCodeAsync(target, null, null);
            var wrong = await ConnectCodeAsync(target, "door-front", "not-the-password");
            var unknown = await ConnectCodeAsync(target, "mallory", "whatever");
            var empty = await ConnectCodeAsync(target, "door-front", "");
            var right = await ConnectCodeAsync(target, "door-front", brokers.Passwords["door-front"]);
            var plainToTls = await ConnectCodeAsync(target with { Tls = false }, "door-front", brokers.Passwords["door-front"]);
            var untrusted = await ConnectCodeAsync(target, "door-front", brokers.Passwords["door-front"], trustCa: false);
            return $"anonymous={anonymous} wrong={wrong} unknown={unknown} empty={empty} right={right} plain-to-tls={plainToTls} untrusted-ca={untrusted}";
        });
        Assert.Equal("anonymous=NotAuthorized wrong=NotAuthorized unknown=NotAuthorized empty=NotAuthorized right=Success " +
                     "plain-to-tls=refused: Error while authenticating. Connection closed. untrusted-ca=transport-failure", outcome);
    }

    [ToolFact("mosquitto")]
    public async Task A_device_publishing_its_own_topic_reaches_the_actuator_and_another_devices_topic_does_not()
    {
        var outcome = await SameOnBothAsync(secure: true, async target =>
        {
            await using var actuator = await Client.ConnectAsync(target, brokers, "actuator");
            var suback = await actuator.SubscribeAsync("smarthome/readings/+", "smarthome/keys/+");
            await using var device = await Client.ConnectAsync(target, brokers, "door-front");
            var own = await device.PublishAsync("smarthome/readings/door-front", "own");
            var key = await device.PublishAsync("smarthome/keys/door-front", "key");
            var forged = await device.PublishAsync("smarthome/readings/temp-living", "forged");
            var outside = await device.PublishAsync("elsewhere/x", "outside");
            await Task.Delay(Settle);
            return $"suback={suback} puback-own={own} puback-key={key} puback-forged={forged} puback-outside={outside} actuator-got=[{actuator.Received}]";
        });
        Assert.Equal("suback=GrantedQoS1,GrantedQoS1 puback-own=Success puback-key=Success puback-forged=NotAuthorized " +
                     "puback-outside=NotAuthorized actuator-got=[smarthome/readings/door-front:own smarthome/keys/door-front:key]", outcome);
    }

    [ToolFact("mosquitto")]
    public async Task A_device_subscribing_to_other_devices_or_everything_gets_nothing_while_the_monitor_reads_everything()
    {
        var outcome = await SameOnBothAsync(secure: true, async target =>
        {
            await using var snoop = await Client.ConnectAsync(target, brokers, "plug-garage");
            var snoopSuback = await snoop.SubscribeAsync("smarthome/readings/+", "#");
            await using var monitor = await Client.ConnectAsync(target, brokers, "monitor");
            var monitorSuback = await monitor.SubscribeAsync("#");
            await using var health = await Client.ConnectAsync(target, brokers, "health");
            var healthSuback = await health.SubscribeAsync("smarthome/#");
            await using var device = await Client.ConnectAsync(target, brokers, "door-front");
            await device.PublishAsync("smarthome/readings/door-front", "r1");
            await using var actuator = await Client.ConnectAsync(target, brokers, "actuator");
            var actuatorPublish = await actuator.PublishAsync("smarthome/readings/door-front", "actuator-forgery");
            await Task.Delay(Settle);
            return $"snoop-suback={snoopSuback} snoop-got=[{snoop.Received}] monitor-suback={monitorSuback} monitor-got=[{monitor.Received}] " +
                   $"health-suback={healthSuback} health-got=[{health.Received}] actuator-publish={actuatorPublish}";
        });
        Assert.Equal("snoop-suback=GrantedQoS1,GrantedQoS1 snoop-got=[] monitor-suback=GrantedQoS1 monitor-got=[smarthome/readings/door-front:r1] " +
                     "health-suback=GrantedQoS1 health-got=[] actuator-publish=NotAuthorized", outcome);
    }

    [ToolFact("mosquitto")]
    public async Task Retained_messages_are_handed_only_to_subscribers_with_read_access()
    {
        var outcome = await SameOnBothAsync(secure: true, async target =>
        {
            await using (var device = await Client.ConnectAsync(target, brokers, "temp-living"))
            {
                await device.PublishAsync("smarthome/readings/temp-living", "retained", retain: true);
            }

            await using var snoop = await Client.ConnectAsync(target, brokers, "plug-garage");
            await snoop.SubscribeAsync("smarthome/readings/+");
            await using var actuator = await Client.ConnectAsync(target, brokers, "actuator");
            await actuator.SubscribeAsync("smarthome/readings/+");
            await Task.Delay(Settle);
            var result = $"snoop-got=[{snoop.Received}] actuator-got=[{actuator.Received}]";
            await using (var device = await Client.ConnectAsync(target, brokers, "temp-living"))
            {
                await device.PublishAsync("smarthome/readings/temp-living", "", retain: true); // clear it
            }

            return result;
        });
        Assert.Equal("snoop-got=[] actuator-got=[smarthome/readings/temp-living:retained(retained)]", outcome);
    }

    [ToolFact("mosquitto")]
    public async Task A_persistent_session_gets_the_qos1_messages_published_while_it_was_offline()
    {
        var outcome = await SameOnBothAsync(secure: true, async target =>
        {
            await using (var first = await Client.ConnectAsync(target, brokers, "actuator", cleanStart: false, sessionExpiry: 300))
            {
                await first.SubscribeAsync("smarthome/readings/+");
            }

            await using (var device = await Client.ConnectAsync(target, brokers, "smoke-or-door-front"))
            {
                await device.PublishAsync("smarthome/readings/door-front", "offline-1");
                await device.PublishAsync("smarthome/readings/door-front", "offline-2");
                await device.PublishAsync("smarthome/readings/temp-living", "denied");
            }

            await using var again = await Client.ConnectAsync(target, brokers, "actuator", cleanStart: false, sessionExpiry: 300);
            await Task.Delay(Settle);
            var result = $"session-present={again.SessionPresent} got=[{again.Received}]";
            await using (await Client.ConnectAsync(target, brokers, "actuator"))
            {
                // clean start: drop the persistent session for the other tests
            }

            return result;
        });
        Assert.Equal("session-present=True got=[smarthome/readings/door-front:offline-1 smarthome/readings/door-front:offline-2]", outcome);
    }

    [ToolFact("mosquitto")]
    public async Task The_client_id_is_the_username_so_nobody_can_take_over_another_accounts_session()
    {
        var outcome = await SameOnBothAsync(secure: true, async target =>
        {
            await using var actuator = await Client.ConnectAsync(target, brokers, "actuator", clientId: "secure-actuator");
            await using var attacker = await Client.ConnectAsync(target, brokers, "plug-garage", clientId: "secure-actuator");
            await Task.Delay(Settle);
            var afterForeignId = $"actuator-connected={actuator.IsConnected} attacker-connected={attacker.IsConnected}";
            await using var second = await Client.ConnectAsync(target, brokers, "plug-garage", clientId: "another-id");
            await Task.Delay(Settle);
            await using var emptyId = await Client.ConnectAsync(target, brokers, "health", clientId: "");
            return $"{afterForeignId} first-plug-after-second-login={attacker.IsConnected} second-plug={second.IsConnected} " +
                   $"empty-id-assigned={emptyId.AssignedClientId ?? "-"}";
        });
        Assert.Equal("actuator-connected=True attacker-connected=True first-plug-after-second-login=False second-plug=True empty-id-assigned=health", outcome);
    }

    [ToolFact("mosquitto")]
    public async Task A_packet_above_max_packet_size_costs_the_sender_its_connection()
    {
        var outcome = await SameOnBothAsync(secure: true, async target =>
        {
            await using var monitor = await Client.ConnectAsync(target, brokers, "monitor");
            await monitor.SubscribeAsync("#");
            await using var device = await Client.ConnectAsync(target, brokers, "door-front");
            var big = await device.PublishAsync("smarthome/readings/door-front", new string('x', 70_000));
            await Task.Delay(Settle);
            return $"puback={big} sender-connected={device.IsConnected} monitor-got={monitor.Count}";
        });
        Assert.EndsWith("sender-connected=False monitor-got=0", outcome, StringComparison.Ordinal);
    }

    [ToolFact("mosquitto")]
    public async Task The_insecure_listener_lets_anonymous_clients_publish_and_read_everything()
    {
        var outcome = await SameOnBothAsync(secure: false, async target =>
        {
            await using var reader = await Client.ConnectAsync(target, null, null);
            var suback = await reader.SubscribeAsync("smarthome/#");
            await using var writer = await Client.ConnectAsync(target, null, null);
            var delivered = await writer.PublishAsync("smarthome/readings/door-front", "plain");
            var nobody = await writer.PublishAsync("nobody/listens", "x");
            await Task.Delay(Settle);
            return $"suback={suback} puback={delivered} puback-no-subscriber={nobody} got=[{reader.Received}]";
        });
        Assert.Equal("suback=GrantedQoS1 puback=Success puback-no-subscriber=NoMatchingSubscribers got=[smarthome/readings/door-front:plain]", outcome);
    }

    private async Task<string> ConnectCodeAsync(BrokerTarget target, string? user, string? password, bool trustCa = true)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var result = await client.ConnectAsync(Client.Options(target, user, password, trustCa ? brokers.CaFile : null));
            await client.DisconnectAsync();
            return result.ResultCode.ToString();
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException ex)
        {
            // MQTTnet 5 reports a refusing CONNACK as this exception; its message names the reason code.
            return "refused: " + ex.Message;
        }
        catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or IOException
                                       or System.Security.Authentication.AuthenticationException)
        {
            return "transport-failure";
        }
    }

    /// <summary>An MQTT 5 test client that records what it receives as "topic:payload" (with "(retained)" when flagged).</summary>
    internal sealed class Client : IAsyncDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private readonly ConcurrentQueue<string> _received = new();
        private readonly ConcurrentQueue<MqttApplicationMessage> _messages = new();

        public bool SessionPresent { get; private set; }

        public string? AssignedClientId { get; private set; }

        public bool IsConnected => _client.IsConnected;

        public string Received => string.Join(' ', _received);

        /// <summary>Every message received, as "topic:payload".</summary>
        public IReadOnlyCollection<string> Messages => _received;

        public int Count => _received.Count;

        /// <summary>Every message received, with its MQTT 5 properties (e.g. the Message Expiry Interval the broker sent).</summary>
        public IReadOnlyCollection<MqttApplicationMessage> ApplicationMessages => _messages;

        public static MqttClientOptions Options(BrokerTarget target, string? user, string? password, string? caFile,
            string? clientId = null, bool cleanStart = true, uint sessionExpiry = 0, Action<MqttClientOptionsBuilder>? configure = null)
        {
            var builder = new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", target.Port)
                .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500)
                .WithClientId(clientId ?? "test-" + Guid.NewGuid().ToString("N")[..12])
                .WithCleanStart(cleanStart)
                .WithSessionExpiryInterval(sessionExpiry)
                .WithTimeout(TimeSpan.FromSeconds(4));
            if (user is not null)
            {
                builder.WithCredentials(user, password);
            }

            if (target.Tls)
            {
                builder.WithTlsOptions(tls =>
                {
                    tls.UseTls().WithTargetHost("localhost");
                    if (caFile is not null)
                    {
                        tls.WithTrustChain(new X509Certificate2Collection(X509CertificateLoader.LoadCertificateFromFile(caFile)));
                    }
                });
            }

            configure?.Invoke(builder);
            return builder.Build();
        }

        public static async Task<Client> ConnectAsync(BrokerTarget target, BrokerPair brokers, string user,
            string? clientId = null, bool cleanStart = true, uint sessionExpiry = 0)
        {
            // "smoke-or-door-front": any device account other than the subscriber's; door-front is enough here.
            var account = user == "smoke-or-door-front" ? "door-front" : user;
            return await ConnectAsync(target, account, brokers.Passwords[account], brokers.CaFile, clientId, cleanStart, sessionExpiry);
        }

        public static Task<Client> ConnectAsync(BrokerTarget target, string? user, string? password) =>
            ConnectAsync(target, user, password, null, null, cleanStart: true, sessionExpiry: 0);

        /// <summary>An anonymous client of the insecure listener with a chosen id and session.</summary>
        public static Task<Client> ConnectAnonymousAsync(BrokerTarget target, string clientId, bool cleanStart = true, uint sessionExpiry = 0) =>
            ConnectAsync(target, null, null, null, clientId, cleanStart, sessionExpiry);

        private static async Task<Client> ConnectAsync(BrokerTarget target, string? user, string? password, string? caFile,
            string? clientId, bool cleanStart, uint sessionExpiry)
        {
            var client = new Client();
            client._client.ApplicationMessageReceivedAsync += e =>
            {
                var m = e.ApplicationMessage;
                client._received.Enqueue($"{m.Topic}:{m.ConvertPayloadToString()}{(m.Retain ? "(retained)" : string.Empty)}");
                client._messages.Enqueue(m);
                return Task.CompletedTask;
            };
            var result = await client._client.ConnectAsync(Options(target, user, password, caFile, clientId, cleanStart, sessionExpiry));
            client.SessionPresent = result.IsSessionPresent;
            client.AssignedClientId = result.AssignedClientIdentifier;
            return client;
        }

        public async Task<string> UnsubscribeAsync(string filter)
        {
            var result = await _client.UnsubscribeAsync(new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter(filter).Build());
            return string.Join(',', result.Items.Select(i => i.ResultCode));
        }

        public async Task<string> SubscribeAsync(params string[] filters)
        {
            var options = new MqttClientSubscribeOptionsBuilder();
            foreach (var filter in filters)
            {
                options.WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce);
            }

            var result = await _client.SubscribeAsync(options.Build());
            return string.Join(',', result.Items.Select(i => i.ResultCode));
        }

        public async Task<string> PublishAsync(string topic, string payload, bool retain = false, uint messageExpiry = 0)
        {
            try
            {
                var result = await _client.PublishAsync(new MqttApplicationMessageBuilder()
                    .WithTopic(topic)
                    .WithPayload(Encoding.UTF8.GetBytes(payload))
                    .WithRetainFlag(retain)
                    .WithMessageExpiryInterval(messageExpiry)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .Build());
                return result.ReasonCode.ToString();
            }
            catch (Exception ex) when (ex is MqttCommunicationException or OperationCanceledException or InvalidOperationException)
            {
                return "no-puback";
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_client.IsConnected)
            {
                try
                {
                    await _client.DisconnectAsync();
                }
                catch (MqttCommunicationException)
                {
                    // already gone
                }
            }

            _client.Dispose();
        }
    }
}
