using System.Globalization;

namespace SmartHome.AppHost.Supervision;

/// <summary>
/// How the AppHost restarts a supervised resource (a broker, a sensor, an actuator) that crashed: after an exponential
/// backoff, until <see cref="CrashLoopCrashes"/> crashes fall within <see cref="CrashLoopWindow"/>; then it stops trying
/// and shows the resource as <see cref="SupervisionStates.CrashLoop"/>. Bound from the configuration section
/// <c>Supervision</c> (e.g. <c>--Supervision:InitialBackoff=00:00:00.5</c>) and checked at start by <see cref="Problems"/>.
/// </summary>
public sealed record RestartPolicy
{
    public const string SectionName = "Supervision";

    /// <summary>Wait before the first restart after a crash.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Each further crash within the window multiplies the wait by this factor.</summary>
    public double BackoffMultiplier { get; init; } = 2;

    /// <summary>The longest wait between a crash and the restart.</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>This many crashes within <see cref="CrashLoopWindow"/> are a crash loop: no more restarts.</summary>
    public int CrashLoopCrashes { get; init; } = 5;

    public TimeSpan CrashLoopWindow { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>What is wrong with this policy, one sentence each; empty when it is usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        var c = CultureInfo.InvariantCulture;
        if (InitialBackoff < TimeSpan.Zero || InitialBackoff > TimeSpan.FromHours(1))
        {
            problems.Add(string.Create(c, $"Supervision:InitialBackoff must be between 0 and 1 hour (is {InitialBackoff})."));
        }

        if (double.IsNaN(BackoffMultiplier) || BackoffMultiplier < 1 || BackoffMultiplier > 10)
        {
            problems.Add(string.Create(c, $"Supervision:BackoffMultiplier must be between 1 and 10 (is {BackoffMultiplier})."));
        }

        if (MaxBackoff < InitialBackoff || MaxBackoff > TimeSpan.FromHours(1))
        {
            problems.Add(string.Create(c, $"Supervision:MaxBackoff must be between InitialBackoff ({InitialBackoff}) and 1 hour (is {MaxBackoff})."));
        }

        if (CrashLoopCrashes < 1 || CrashLoopCrashes > 1000)
        {
            problems.Add(string.Create(c, $"Supervision:CrashLoopCrashes must be between 1 and 1000 (is {CrashLoopCrashes})."));
        }

        if (CrashLoopWindow <= TimeSpan.Zero || CrashLoopWindow > TimeSpan.FromDays(1))
        {
            problems.Add(string.Create(c, $"Supervision:CrashLoopWindow must be longer than 0 and at most 1 day (is {CrashLoopWindow})."));
        }

        return problems;
    }

    /// <summary>This policy, or an <see cref="ArgumentException"/> that lists its <see cref="Problems"/>.</summary>
    public RestartPolicy Validated()
    {
        var problems = Problems();
        return problems.Count == 0 ? this : throw new ArgumentException(string.Join(" ", problems));
    }

    /// <summary>The wait before restarting after the <paramref name="crashesInWindow"/>-th crash within the window (1 = first).</summary>
    public TimeSpan BackoffFor(int crashesInWindow)
    {
        var factor = Math.Pow(BackoffMultiplier, Math.Max(0, crashesInWindow - 1));
        var ticks = InitialBackoff.Ticks * factor;
        return ticks >= MaxBackoff.Ticks ? MaxBackoff : TimeSpan.FromTicks((long)ticks);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"backoff {InitialBackoff.TotalSeconds:0.###} s ×{BackoffMultiplier:0.##} up to {MaxBackoff.TotalSeconds:0.###} s; crash loop at {CrashLoopCrashes} crashes within {CrashLoopWindow.TotalSeconds:0.###} s");
}
