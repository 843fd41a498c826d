using SmartHome.Contracts;
using SmartHome.Messaging;

namespace SmartHome.Attacker;

/// <summary>
/// downgrade: plaintext readings (no envelope) where the level may write, and — on a TLS broker — the same credentials
/// over plain TCP to the TLS listener.
/// </summary>
internal sealed class DowngradeAttack : IAttack
{
    public static DowngradeAttack Instance { get; } = new();

    public string Name => Attacks.Downgrade;

    public async Task<AttackResult> RunAsync(AttackContext context, AttackLevel level, AttackInput input, CancellationToken ct)
    {
        var topic = Targets.WritableReadingTopic(level);
        Topics.TryGetDeviceId(topic, out var device);
        var attempts = Enumerable.Range(0, input.Attempts).Select(_ =>
        {
            var id = context.NewAttemptId(Attacks.Downgrade);
            var plain = Payloads.ForgedReading(device, device == AttackerIdentities.InsiderDevice ? 3000 : 15.0, DeviceReading.NowMicros(TimeProvider.System))
                .ToUtf8Json();
            return new PlannedAttempt(id, [new PlannedMessage(topic, plain, id)]);
        }).ToList();

        var transport = string.Empty;
        if (context.Settings.Broker.UseTls)
        {
            // Transport downgrade: the same credentials over plain TCP to the TLS listener.
            await using var plainTcp = await AttackSession.ConnectAsync(context.Settings.Broker, context.Identities.ForLevel(level, "plaintcp"), ct,
                forcePlainTcp: true).ConfigureAwait(false);
            transport = plainTcp.IsConnected ? "plain-TCP connect to the TLS port SUCCEEDED. " : $"plain-TCP connect to the TLS port refused ({plainTcp.RefusedBy}). ";
        }

        await using var session = await context.ConnectAsync(level, "downgrade", ct).ConfigureAwait(false);
        return await context.Judge.PublishAndJudgeAsync(Attacks.Downgrade, level, session, attempts,
            transport + $"plaintext readings (no envelope) on {topic}.", ct).ConfigureAwait(false);
    }
}
