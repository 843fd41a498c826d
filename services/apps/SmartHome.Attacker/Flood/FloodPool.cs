using System.Security.Cryptography;
using MQTTnet;
using MQTTnet.Protocol;
using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Attacker;

/// <summary>
/// The sustained flood's bounded pool of prebuilt messages, reused round and round: building a message per send would
/// cost the attacker more CPU than the actuator spends refusing it.
/// </summary>
internal static class FloodPool
{
    /// <summary>
    /// <see cref="FloodRequest.PoolSize"/> slots in the mix's proportions (<see cref="FloodSlot.Kind"/> indexes
    /// <paramref name="mix"/>); oversized slots share one array. Every message carries <paramref name="label"/> as its attempt id.
    /// </summary>
    public static FloodSlot[] Build(bool secure, IReadOnlyList<FloodShare> mix, string device, string topic, uint? keyId,
        IReadOnlyList<Capture> replays, string label)
    {
        var kinds = mix.Select(s => s.Kind).ToList();
        var schedule = FloodShares.Schedule(mix, FloodRequest.PoolSize);
        var labelBytes = System.Text.Encoding.UTF8.GetBytes(label).AsMemory();
        var oversized = Payloads.Oversized(secure ? 1 : 0); // one byte over the envelope (4 KiB) / reading (1 KiB) limit
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var slots = new FloodSlot[schedule.Length];
        for (var i = 0; i < schedule.Length; i++)
        {
            var kind = schedule[i];
            var slotTopic = topic;
            EnvelopeHeader? header = null;
            byte[] payload;
            switch (kind)
            {
                case FloodKinds.Forged when secure:
                    payload = EnvelopeForge.UnsignedData(device, keyId ?? ForgeryValues.RandomKeyId(), 0, nowMs, 120);
                    header = EnvelopeHeader.TryRead(payload, out var h) ? h : null;
                    break;
                case FloodKinds.Forged:
                    payload = Payloads.ForgedReading(device, 15.0, DeviceReading.NowMicros(TimeProvider.System)).ToUtf8Json();
                    break;
                case FloodKinds.Malformed:
                    payload = RandomNumberGenerator.GetBytes(RandomNumberGenerator.GetInt32(16, 513));
                    break;
                case FloodKinds.Oversized:
                    payload = oversized;
                    break;
                default:
                    var capture = replays[i % replays.Count];
                    payload = capture.Payload;
                    slotTopic = capture.Topic;
                    break;
            }

            var message = new MqttApplicationMessageBuilder()
                .WithTopic(slotTopic)
                .WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)
                .WithUserProperty(MessageProperties.AttemptId, labelBytes)
                .Build();
            slots[i] = new FloodSlot(kinds.IndexOf(kind), payload, message, header);
        }

        return slots;
    }
}
