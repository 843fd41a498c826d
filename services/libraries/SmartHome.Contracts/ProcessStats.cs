namespace SmartHome.Contracts;

/// <summary>Answer of <c>GET /process</c>.</summary>
/// <param name="GcPauseMilliseconds">Total time the garbage collector paused this process's threads since it started.</param>
/// <param name="Gen0Collections">Collections since start that included generation 0 (every collection does; likewise for 1 and 2).</param>
public sealed record ProcessStats(double CpuMilliseconds, long WorkingSetBytes, long PeakWorkingSetBytes, long ManagedHeapBytes, int Pid,
    double GcPauseMilliseconds = 0, int Gen0Collections = 0, int Gen1Collections = 0, int Gen2Collections = 0);
