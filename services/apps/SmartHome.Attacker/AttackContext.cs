using SmartHome.Contracts;

namespace SmartHome.Attacker;

/// <summary>
/// What the attacks of one campaign (or one sustained flood) share: the target, the run id that labels every attempt,
/// who the attacker is at each level, its keys, the control connection, the judge and the telemetry. It owns the keys
/// and the control connection, and disposes them.
/// </summary>
internal sealed class AttackContext : IAsyncDisposable
{
    private int _sequence;

    public AttackContext(CampaignSettings settings, Victim victim, ILogger logger)
    {
        Settings = settings;
        Victim = victim;
        RunId = Guid.NewGuid().ToString("N")[..8];
        Identities = new AttackerIdentities(settings);
        Keys = new AttackerKeys(settings);
        Control = new ControlChannel(settings.Broker, Identities, victim, RunId);
        Telemetry = new AttackTelemetry(settings.Pipeline, logger);
        Judge = new AttemptJudge(settings, victim, Control, Telemetry);
    }

    public CampaignSettings Settings { get; }

    /// <summary>The secure pipeline: authenticated broker with ACLs, signed and encrypted envelopes.</summary>
    public bool Secure => Settings.Secure;

    public Victim Victim { get; }

    /// <summary>Eight hex digits that prefix every attempt id of this run, so its attempts stand out in the victim's log.</summary>
    public string RunId { get; }

    public AttackerIdentities Identities { get; }

    public AttackerKeys Keys { get; }

    public ControlChannel Control { get; }

    public AttemptJudge Judge { get; }

    public AttackTelemetry Telemetry { get; }

    public string NewAttemptId(string attack) => $"{RunId}-{attack}-{Interlocked.Increment(ref _sequence)}";

    /// <summary>Connects at <paramref name="level"/>; on the secure pipeline the monitor's control connection is closed first (one session per user).</summary>
    public async Task<AttackSession> ConnectAsync(AttackLevel level, string purpose, CancellationToken ct, Identity? identity = null)
    {
        identity ??= Identities.ForLevel(level, purpose);
        if (Secure && identity.Username == AttackerIdentities.MonitorAccount)
        {
            await Control.CloseAsync().ConfigureAwait(false);
        }

        return await AttackSession.ConnectAsync(Settings.Broker, identity, ct).ConfigureAwait(false);
    }

    public AttackResult Summarize(string attack, AttackLevel level, IReadOnlyList<Verdict> verdicts, string notes) =>
        AttackResults.Summarize(Settings.Pipeline, attack, level, verdicts, notes);

    public AttackResult Skipped(string attack, AttackLevel level, string notes) => AttackResults.Skipped(Settings.Pipeline, attack, level, notes);

    /// <summary>
    /// The floods' guard: a flood is refused unless the broker is on this machine, so the lab cannot be pointed at
    /// someone else's broker to load it. Null when the flood may run.
    /// </summary>
    public AttackResult? RefusedUnlessLoopbackBroker(string attack, AttackLevel level) => Settings.Broker.IsLoopback
        ? null
        : Skipped(attack, level, "refused: the flood only targets a broker on this machine (loopback)");

    public async ValueTask DisposeAsync()
    {
        await Control.DisposeAsync().ConfigureAwait(false);
        Keys.Dispose();
    }
}
