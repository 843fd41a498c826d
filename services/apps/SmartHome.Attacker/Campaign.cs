using System.Diagnostics;
using SmartHome.Contracts;

namespace SmartHome.Attacker;

/// <summary>
/// Runs the attack catalogue (<see cref="AttackCatalogue"/>) against one pipeline with the same code for both: every
/// requested attack at every capability level, each judged by the victim's decision log (see README.md). One campaign
/// at a time per attacker; it owns what its attacks share (<see cref="AttackContext"/>) and disposes it.
/// </summary>
public sealed class Campaign : IAsyncDisposable
{
    private static readonly IReadOnlyList<AttackLevel> Levels = CampaignRequest.AllLevels;
    private readonly AttackContext _context;

    public Campaign(CampaignSettings settings, Victim victim, ILogger logger) => _context = new AttackContext(settings, victim, logger);

    public CampaignSettings Settings => _context.Settings;

    /// <summary>Runs <paramref name="request"/>'s attacks at each of its capability levels.</summary>
    public async Task<CampaignReport> RunAsync(CampaignRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var results = new List<AttackResult>();
        List<Capture>? captures = null;
        foreach (var name in request.Attacks)
        {
            if (name == Attacks.ReplayAfterRestart)
            {
                results.AddRange(request.Levels.Select(l => _context.Skipped(name, l,
                    "skipped: needs a real actuator restart, orchestrated by the AppHost command (or the integration test)")));
                continue;
            }

            var attack = AttackCatalogue.Find(name);
            if (attack is { NeedsCaptures: true } && captures is null)
            {
                // Harvested once: every attack that replays or alters legit traffic shares the same captures.
                try
                {
                    captures = await _context.Control.HarvestAsync(request.Attempts, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // Like a failing attack: this one goes unjudged, the campaign goes on (the next one tries to harvest again).
                    results.AddRange(request.Levels.Select(level => Failed(name, level, ex, "could not capture legit traffic: ", request.Attempts)));

                    continue;
                }
            }

            var input = new AttackInput(request.Attempts, request, captures ?? []);
            foreach (var level in request.Levels)
            {
                _context.Telemetry.AttackStarting(name, level);
                var attackClock = Stopwatch.StartNew();
                AttackResult result;
                try
                {
                    result = attack is null
                        ? _context.Skipped(name, level, "unknown attack")
                        : await attack.RunAsync(_context, level, input, ct).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    // One failing attack must not cost the campaign the others' results.
                    result = Failed(name, level, ex, string.Empty, request.Attempts);
                }

                results.Add(result with { DurationMs = attackClock.Elapsed.TotalMilliseconds });
            }
        }

        await _context.Control.CloseAsync().ConfigureAwait(false);
        return new CampaignReport(Settings.Pipeline, started, clock.Elapsed.TotalMilliseconds, request.Attempts, results);
    }

    /// <summary>An attack at a level that could not be run: logged, and reported with every attempt unjudged.</summary>
    private AttackResult Failed(string name, AttackLevel level, Exception ex, string what, int attempts)
    {
        _context.Telemetry.AttackFailed(name, level, ex);
        return _context.Skipped(name, level, $"campaign error: {what}{ex.GetBaseException().Message}") with { Unjudged = attempts };
    }

    /// <summary>First half of replay-after-restart: capture legit traffic now (before the actuator restarts).</summary>
    public async Task<List<Capture>> CaptureForRestartAsync(int attempts, CancellationToken ct)
    {
        var captures = await _context.Control.HarvestAsync(attempts, ct).ConfigureAwait(false);
        await _context.Control.CloseAsync().ConfigureAwait(false);
        return captures;
    }

    /// <summary>Second half of replay-after-restart: replay what was captured to the restarted actuator.</summary>
    public async Task<CampaignReport> ReplayAfterRestartAsync(IReadOnlyList<Capture> captures, int attempts, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var results = new List<AttackResult>();
        var input = new AttackInput(attempts, new CampaignRequest(attempts, [Attacks.ReplayAfterRestart]), captures);
        foreach (var level in Levels)
        {
            var attackClock = Stopwatch.StartNew();
            var result = await ReplayAttack.AfterRestart.RunAsync(_context, level, input, ct).ConfigureAwait(false);
            results.Add(result with { DurationMs = attackClock.Elapsed.TotalMilliseconds });
        }

        await _context.Control.CloseAsync().ConfigureAwait(false);
        return new CampaignReport(Settings.Pipeline, started, clock.Elapsed.TotalMilliseconds, attempts, results);
    }

    public ValueTask DisposeAsync() => _context.DisposeAsync();
}
