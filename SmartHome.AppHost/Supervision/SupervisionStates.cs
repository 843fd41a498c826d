namespace SmartHome.AppHost.Supervision;

/// <summary>The names supervision shows in the dashboard: a resource state and resource properties.</summary>
public static class SupervisionStates
{
    /// <summary>The resource crashed too often within the policy's window; the AppHost no longer restarts it.</summary>
    public const string CrashLoop = "Crash loop";

    /// <summary>The resource crashed and waits for its restart (the backoff).</summary>
    public const string RestartPending = "Restarting";

    /// <summary>Property: how many times the AppHost restarted the resource after a crash in this run.</summary>
    public const string RestartsProperty = "smarthome.supervision.restarts";

    /// <summary>Property: the last crash, e.g. "exit code 137 at 2026-11-27T15:20:01Z".</summary>
    public const string LastCrashProperty = "smarthome.supervision.last-crash";

    /// <summary>Property: why the resource is in <see cref="CrashLoop"/> (empty otherwise).</summary>
    public const string CrashLoopReasonProperty = "smarthome.supervision.crash-loop";

    /// <summary>Property: the policy in words.</summary>
    public const string PolicyProperty = "smarthome.supervision.policy";

    /// <summary>The command that clears a crash loop and starts the resource again.</summary>
    public const string ClearCrashLoopCommand = "clear-crash-loop";
}
