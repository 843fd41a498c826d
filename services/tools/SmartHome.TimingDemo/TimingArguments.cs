using System.Net;

namespace SmartHome.TimingDemo;

/// <summary>The four commands of the demo, as the command line calls them (a test records the calls instead of running them).</summary>
public interface ITimingCommands
{
    Task<int> DemoAsync(DemoArguments arguments);

    int Sweep(SweepArguments arguments);

    Task<int> ServeAsync(ServeArguments arguments);

    int Attack(AttackArguments arguments);
}

/// <summary><c>demo</c>: sweep, in-process attacks and, unless <see cref="NetworkAmplify"/> is null, attacks over loopback TCP.</summary>
/// <param name="Secret">The secret given with --secret; null: 16 bytes from <paramref name="Seed"/>.</param>
/// <param name="Budget">The whole demo's time allowance; what does not fit is reported as not run.</param>
/// <param name="NetworkKeep">Fraction of the fastest samples the response-time attacks over TCP rank (the rest censored).</param>
/// <param name="LimitLevels">Amplifications (iterations per correct byte) of the detection-limit sweep, largest first.</param>
/// <param name="LimitSeconds">At most this long for each run of the detection-limit sweep.</param>
public sealed record DemoArguments(int Seed, int Amplify, int SweepSamples, int Repetitions, string Out, byte[]? Secret,
    RecoveryOptions Attack, bool UnamplifiedAttacks, int? NetworkAmplify, TimeSpan Budget, double NetworkKeep,
    IReadOnlyList<int> LimitLevels, TimeSpan LimitSeconds);

/// <summary><c>sweep</c>: only the time-vs-prefix measurement; <see cref="Attack"/> is described in its summary.</summary>
public sealed record SweepArguments(int Seed, int Amplify, int SweepSamples, int Repetitions, string Out, byte[]? Secret, RecoveryOptions Attack);

/// <summary><c>serve</c>: one verifier behind a loopback TCP port, for <see cref="Seconds"/> (0: until Ctrl+C).</summary>
/// <param name="Timeless">Serve the request-pair protocol of the response-order technique (<see cref="RaceServer"/>).</param>
public sealed record ServeArguments(int Seed, VerifierKind Verifier, int Amplify, byte[]? Secret, IPAddress Host, int Port, int Seconds,
    bool Timeless = false);

/// <summary><c>attack</c>: the byte-by-byte attack on a <c>serve</c>, graded against <see cref="Expect"/> when given.</summary>
/// <param name="Timeless">Race request pairs and read only the answer order (the serve must run with --timeless too).</param>
/// <param name="Seconds">Time budget of the attack (0: none).</param>
public sealed record AttackArguments(IPAddress Host, int Port, byte[]? Expect, RecoveryOptions Attack, string Out, bool Timeless = false,
    int Seconds = 0);
