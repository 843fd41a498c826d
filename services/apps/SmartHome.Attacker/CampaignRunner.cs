using SmartHome.Contracts;

namespace SmartHome.Attacker;

/// <summary>One campaign at a time; remembers the last report and the captures of replay-after-restart.</summary>
public sealed class CampaignRunner(CampaignSettings settings, Victim victim, ILogger logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private List<Capture>? _restartCaptures;
    private int _restartAttempts;

    public CampaignReport? Last { get; private set; }

    public static bool TryCreateRequest(int? attempts, string? attacks, out CampaignRequest request, out string error,
        double? floodRate = null, int? floodMessages = null, double? announcementFloodSeconds = null, string? levels = null)
    {
        var n = attempts ?? 100;
        var list = string.IsNullOrWhiteSpace(attacks)
            ? Attacks.All.ToList()
            : attacks.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        request = new CampaignRequest(n, list, floodRate ?? 5000, floodMessages ?? 0,
            AnnouncementFloodSeconds: announcementFloodSeconds ?? CampaignRequest.DefaultAnnouncementFloodSeconds);
        if (announcementFloodSeconds is < 0.5 or > 600)
        {
            error = "announcementFloodSeconds must be 0.5..600";
            return false;
        }

        if (n is < 1 or > CampaignRequest.MaxAttempts)
        {
            error = $"attempts must be 1..{CampaignRequest.MaxAttempts}";
            return false;
        }

        var unknown = list.Where(a => !Attacks.IsKnown(a)).ToList();
        if (unknown.Count > 0)
        {
            error = $"unknown attack(s): {string.Join(", ", unknown)}; known: {string.Join(", ", Attacks.All.Append(Attacks.ReplayAfterRestart))}";
            return false;
        }

        if (floodMessages is < 0 or > CampaignRequest.MaxFloodMessages)
        {
            error = $"floodMessages must be 0..{CampaignRequest.MaxFloodMessages}";
            return false;
        }

        if (!TryParseLevels(levels, out var chosen, out error))
        {
            return false;
        }

        request = request with { Levels = chosen };
        error = string.Empty;
        return true;
    }

    /// <summary>A comma list of level names (outsider, insider, compromised-broker); empty means all three.</summary>
    public static bool TryParseLevels(string? levels, out IReadOnlyList<AttackLevel> chosen, out string error)
    {
        chosen = CampaignRequest.AllLevels;
        error = string.Empty;
        if (string.IsNullOrWhiteSpace(levels))
        {
            return true;
        }

        var names = levels.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var parsed = new List<AttackLevel>(names.Length);
        foreach (var name in names)
        {
            // Strict: a typo must not silently run another level (FloodRequest's parser defaults an empty level).
            var level = CampaignRequest.AllLevels.Where(l => Attacks.LevelName(l) == name).Cast<AttackLevel?>().FirstOrDefault();
            if (level is null)
            {
                error = $"unknown level '{name}': use outsider, insider or compromised-broker";
                return false;
            }

            if (!parsed.Contains(level.Value))
            {
                parsed.Add(level.Value);
            }
        }

        chosen = parsed;
        return true;
    }

    public async Task<CampaignReport?> RunAsync(Func<Campaign, Task<CampaignReport>> run, CancellationToken ct)
    {
        if (!await _gate.WaitAsync(0, ct).ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            await using var campaign = new Campaign(settings, victim, logger);
            Last = await run(campaign).ConfigureAwait(false);
            return Last;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<int> PrepareRestartAsync(int attempts, CancellationToken ct)
    {
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            await using var campaign = new Campaign(settings, victim, logger);
            _restartCaptures = await campaign.CaptureForRestartAsync(attempts, ct).ConfigureAwait(false);
            _restartAttempts = attempts;
            return _restartCaptures.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<CampaignReport?> ReplayAfterRestartAsync(CancellationToken ct)
    {
        if (_restartCaptures is not { } captures)
        {
            return null;
        }

        return await RunAsync(c => c.ReplayAfterRestartAsync(captures, _restartAttempts, ct), ct).ConfigureAwait(false);
    }
}
