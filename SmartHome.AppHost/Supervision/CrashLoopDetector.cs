using System.Globalization;

namespace SmartHome.AppHost.Supervision;

/// <summary>What to do about one crash: restart after <see cref="Delay"/>, or stop restarting (a crash loop, with its reason).</summary>
public readonly record struct CrashVerdict(bool IsCrashLoop, TimeSpan Delay, int CrashesInWindow, string? Reason);

/// <summary>
/// Counts one resource's crashes against its <see cref="RestartPolicy"/>: the backoff grows with the crashes inside the
/// window and the N-th crash inside it is a crash loop. Crashes older than the window are forgotten, so a resource that
/// ran well for a while starts again from the initial backoff.
/// </summary>
public sealed class CrashLoopDetector(RestartPolicy policy, TimeProvider time)
{
    private readonly Queue<DateTimeOffset> _crashes = new();

    /// <summary>The policy this detector applies.</summary>
    public RestartPolicy Policy { get; } = policy.Validated();

    public CrashVerdict OnCrash()
    {
        var now = time.GetUtcNow();
        _crashes.Enqueue(now);
        while (_crashes.Count > 0 && _crashes.Peek() <= now - Policy.CrashLoopWindow)
        {
            _crashes.Dequeue();
        }

        var count = _crashes.Count;
        if (count >= Policy.CrashLoopCrashes)
        {
            var reason = string.Create(CultureInfo.InvariantCulture,
                $"{count} crashes within {Policy.CrashLoopWindow.TotalSeconds:0.###} s; not restarted again until cleared");
            return new CrashVerdict(true, TimeSpan.Zero, count, reason);
        }

        return new CrashVerdict(false, Policy.BackoffFor(count), count, null);
    }

    /// <summary>Forgets every crash (the operator cleared the crash loop).</summary>
    public void Reset() => _crashes.Clear();
}
