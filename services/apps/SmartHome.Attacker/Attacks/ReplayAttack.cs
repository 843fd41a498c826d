using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Attacker;

/// <summary>
/// replay, replay-cross-topic and replay-after-restart: captured legit messages re-sent byte for byte — to their own
/// topic, moved to another device's topic, or (after the actuator restarted and forgot its replay window) each preceded
/// by the replayed key announcement of its sender.
/// </summary>
internal sealed class ReplayAttack(string name, bool crossTopic, bool withAnnouncement) : IAttack
{
    public static ReplayAttack SameTopic { get; } = new(Attacks.Replay, crossTopic: false, withAnnouncement: false);

    public static ReplayAttack CrossTopic { get; } = new(Attacks.ReplayCrossTopic, crossTopic: true, withAnnouncement: false);

    /// <summary>Not in the catalogue: it needs the actuator restarted between capture and replay (<see cref="Campaign.ReplayAfterRestartAsync"/>).</summary>
    public static ReplayAttack AfterRestart { get; } = new(Attacks.ReplayAfterRestart, crossTopic: false, withAnnouncement: true);

    public string Name => name;

    public bool NeedsCaptures => true;

    public async Task<AttackResult> RunAsync(AttackContext context, AttackLevel level, AttackInput input, CancellationToken ct)
    {
        var n = input.Attempts;
        var captures = input.Captures;
        var data = captures.Where(c => Topics.IsReadingTopic(c.Topic)).ToList();
        if (data.Count == 0)
        {
            return context.Skipped(name, level, "no legit reading could be captured to replay") with { Unjudged = n };
        }

        var announcements = captures.Where(c => Topics.IsKeyTopic(c.Topic)).GroupBy(c => c.Topic).ToDictionary(g => g.Key, g => g.Last());
        var attempts = new List<PlannedAttempt>(n);
        for (var i = 0; i < n; i++)
        {
            var capture = data[i % data.Count];
            var id = context.NewAttemptId(name);
            var topic = capture.Topic;
            if (crossTopic)
            {
                var target = level == AttackLevel.Insider ? AttackerIdentities.InsiderDevice : Targets.OtherDevice;
                Topics.TryGetDeviceId(capture.Topic, out var from);
                topic = Topics.Readings(from == target ? Targets.VictimDevice : target);
            }

            var messages = new List<PlannedMessage>(2);
            if (withAnnouncement && Topics.TryGetDeviceId(capture.Topic, out var device)
                && announcements.TryGetValue(Topics.Keys(device), out var announcement))
            {
                messages.Add(new PlannedMessage(announcement.Topic, announcement.Payload, id + ":key"));
            }

            messages.Add(new PlannedMessage(topic, capture.Payload, id));
            attempts.Add(new PlannedAttempt(id, messages));
        }

        await using var session = await context.ConnectAsync(level, name, ct).ConfigureAwait(false);
        var notes = (crossTopic ? "captured messages, byte for byte, moved to another device's reading topic" : "captured messages re-sent byte for byte")
                    + (withAnnouncement && context.Secure ? " (each preceded by the replayed key announcement of its sender)" : string.Empty)
                    + (context.Secure && level != AttackLevel.CompromisedBroker ? "; captures leaked from the broker (this level cannot read them itself)." : ".");
        if (crossTopic && !context.Secure)
        {
            notes += " The insecure actuator refuses a reading whose deviceId differs from its topic (sender-mismatch): moving bytes alone fails; rewriting the deviceId is the tamper attack.";
        }

        return await context.Judge.PublishAndJudgeAsync(name, level, session, attempts, notes, ct).ConfigureAwait(false);
    }
}
