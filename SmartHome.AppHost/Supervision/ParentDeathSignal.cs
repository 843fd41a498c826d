namespace SmartHome.AppHost.Supervision;

/// <summary>
/// Starts a broker so that it dies with the process that started it (DCP's controller), even when the AppHost and DCP are
/// killed with SIGKILL and nobody gets to stop it: <c>setpriv --pdeathsig KILL -- command args</c> (util-linux, on every
/// Debian) sets the kernel's parent-death signal and then execs the command in place, so the pid, the stop signal and the
/// exit code stay the broker's own. Linux clears that signal when a process changes its user id, and Mosquitto started
/// as root drops to the user <c>mosquitto</c>; so as root the drop is done by setpriv before the exec
/// (<c>--reuid/--regid mosquitto --init-groups</c>), and Mosquitto, no longer root, keeps the signal. Without setpriv
/// (not Linux) the command runs as it is.
/// </summary>
public static class ParentDeathSignal
{
    private static readonly string[] SetprivLocations = ["/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv"];

    /// <summary>setpriv's path, or null where there is none.</summary>
    public static string? Setpriv { get; } = OperatingSystem.IsLinux() ? SetprivLocations.FirstOrDefault(File.Exists) : null;

    /// <summary>The command and arguments that run <paramref name="command"/> with the parent-death signal.</summary>
    /// <param name="dropToUser">Run as this user (only when the AppHost is root and the user exists), e.g. "mosquitto".</param>
    public static (string Command, string[] Args) Wrap(string command, IReadOnlyList<string> args, string? dropToUser = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (Setpriv is null)
        {
            return (command, [.. args]);
        }

        List<string> wrapped = ["--pdeathsig", "KILL"];
        if (dropToUser is not null && Environment.UserName == "root" && UserExists(dropToUser))
        {
            wrapped.AddRange(["--reuid", dropToUser, "--regid", dropToUser, "--init-groups"]);
        }

        wrapped.Add("--");
        wrapped.Add(command);
        wrapped.AddRange(args);
        return (Setpriv, [.. wrapped]);
    }

    public static bool UserExists(string user) =>
        File.Exists("/etc/passwd") && File.ReadLines("/etc/passwd").Any(l => l.StartsWith(user + ":", StringComparison.Ordinal));
}
