using System.Runtime.InteropServices;

namespace SmartHome.Report.Chaos;

/// <summary>POSIX signals to the app's processes, as an operator's <c>kill -KILL|-STOP|-CONT</c> would send them.</summary>
internal static partial class ProcessSignals
{
    public const int Kill = 9;

    public const int Continue = 18;

    public const int Stop = 19;

    /// <summary>Sends <paramref name="signal"/> to <paramref name="pid"/>; returns the errno text when it could not.</summary>
    public static string? Send(int pid, int signal) =>
        SendSignal(pid, signal) == 0 ? null : $"kill({pid}, {signal}) failed: {Marshal.GetLastPInvokeErrorMessage()}";

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
