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
public sealed record DemoArguments(int Seed, int Amplify, int SweepSamples, int Repetitions, string Out, byte[]? Secret,
    RecoveryOptions Attack, bool UnamplifiedAttacks, int? NetworkAmplify);

/// <summary><c>sweep</c>: only the time-vs-prefix measurement; <see cref="Attack"/> is described in its summary.</summary>
public sealed record SweepArguments(int Seed, int Amplify, int SweepSamples, int Repetitions, string Out, byte[]? Secret, RecoveryOptions Attack);

/// <summary><c>serve</c>: one verifier behind a loopback TCP port, for <see cref="Seconds"/> (0: until Ctrl+C).</summary>
public sealed record ServeArguments(int Seed, VerifierKind Verifier, int Amplify, byte[]? Secret, IPAddress Host, int Port, int Seconds);

/// <summary><c>attack</c>: the byte-by-byte attack on a <c>serve</c>, graded against <see cref="Expect"/> when given.</summary>
public sealed record AttackArguments(IPAddress Host, int Port, byte[]? Expect, RecoveryOptions Attack, string Out);
