namespace SmartHome.Report.Chaos;

/// <summary>How a fault hits its process.</summary>
public enum FaultKind
{
    /// <summary>SIGKILL: the process dies at once; the AppHost's supervision restarts it.</summary>
    Kill,

    /// <summary>SIGSTOP, then SIGCONT after the pause: a long GC pause, a slow disk, a frozen VM.</summary>
    Pause,
}

/// <summary>One fault of the plan: whom to hit, how, and how long after the previous one recovered.</summary>
public sealed record PlannedFault(int Index, double GapSeconds, string Pipeline, string Role, FaultKind Kind, double PauseSeconds)
{
    /// <summary>The AppHost resource the fault hits, e.g. <c>secure-broker</c>.</summary>
    public string Resource => $"{Pipeline}-{Role}";
}

/// <summary>
/// The chaos run's faults, drawn from one seed, so a failing run is replayed by giving its seed again. The plan is a
/// pure function of its inputs: which process, SIGKILL or a pause, how long the pause and the gap before each fault.
/// Planned times are the sums of the gaps; a kill that would make the same process's kills exceed
/// <see cref="KillsPerWindow"/> within <see cref="KillWindowSeconds"/> of planned time becomes a pause instead, so the
/// chaos measures recovery, not the AppHost's crash-loop stop (5 crashes in 2 minutes by default).
/// </summary>
public static class FaultPlan
{
    public static readonly string[] Pipelines = ["insecure", "secure"];

    public static readonly string[] Roles = ["broker", "actuator", "sensor"];

    public const double MinGapSeconds = 6;

    public const double MaxGapSeconds = 20;

    public const double MinPauseSeconds = 1;

    public const double MaxPauseSeconds = 8;

    public const int KillsPerWindow = 2;

    public const double KillWindowSeconds = 120;

    /// <summary>Faults whose planned times fall within <paramref name="seconds"/>.</summary>
    public static IReadOnlyList<PlannedFault> Create(int seed, double seconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seconds);
        var random = new Random(seed);
        var faults = new List<PlannedFault>();
        var kills = new Dictionary<string, List<double>>(StringComparer.Ordinal);
        var at = 0.0;
        while (true)
        {
            var gap = Math.Round(MinGapSeconds + (random.NextDouble() * (MaxGapSeconds - MinGapSeconds)), 1);
            var pipeline = Pipelines[random.Next(Pipelines.Length)];
            var role = Roles[random.Next(Roles.Length)];
            var kind = random.Next(2) == 0 ? FaultKind.Kill : FaultKind.Pause;
            var pause = Math.Round(MinPauseSeconds + (random.NextDouble() * (MaxPauseSeconds - MinPauseSeconds)), 1);
            at += gap;
            if (at >= seconds)
            {
                return faults;
            }

            var resource = $"{pipeline}-{role}";
            var recent = kills.TryGetValue(resource, out var times) ? times : kills[resource] = [];
            if (kind == FaultKind.Kill)
            {
                var current = at;
                if (recent.Count(t => current - t < KillWindowSeconds) >= KillsPerWindow)
                {
                    kind = FaultKind.Pause;
                }
                else
                {
                    recent.Add(at);
                }
            }

            faults.Add(new PlannedFault(faults.Count + 1, gap, pipeline, role, kind, kind == FaultKind.Pause ? pause : 0));
        }
    }
}
