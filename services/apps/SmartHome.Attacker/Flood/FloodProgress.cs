using System.Diagnostics;
using SmartHome.Contracts;

namespace SmartHome.Attacker;

/// <summary>Live counters of the running flood, read by <c>GET /flood/status</c>.</summary>
public sealed class FloodProgress
{
    private long _sent;
    private long _floodStartTimestamp;

    public string Phase { get; private set; } = "idle";

    public FloodRequest? Request { get; private set; }

    public string? AttemptId { get; private set; }

    public long Sent => Volatile.Read(ref _sent);

    public double ElapsedSeconds
    {
        get
        {
            var start = Volatile.Read(ref _floodStartTimestamp);
            return start == 0 ? 0 : Stopwatch.GetElapsedTime(start).TotalSeconds;
        }
    }

    internal void Begin(FloodRequest request)
    {
        Request = request;
        AttemptId = null;
        Volatile.Write(ref _sent, 0);
        Volatile.Write(ref _floodStartTimestamp, 0);
        Phase = "preparing";
    }

    internal void Flooding(string attemptId, long startTimestamp)
    {
        AttemptId = attemptId;
        Volatile.Write(ref _floodStartTimestamp, startTimestamp);
        Phase = "flooding";
    }

    internal void SetSent(long sent) => Volatile.Write(ref _sent, sent);

    internal void End(string phase) => Phase = phase;
}
