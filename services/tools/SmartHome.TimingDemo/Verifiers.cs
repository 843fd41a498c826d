using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace SmartHome.TimingDemo;

/// <summary>The two verifier implementations the demo compares.</summary>
public enum VerifierKind
{
    /// <summary>Byte-by-byte comparison that returns at the first mismatch.</summary>
    Vulnerable,

    /// <summary><see cref="CryptographicOperations.FixedTimeEquals"/>.</summary>
    ConstantTime,
}

/// <summary>Checks a presented token (e.g. a MAC tag or an API secret) against the stored secret.</summary>
public interface ITokenVerifier
{
    VerifierKind Kind { get; }

    /// <summary>Length of the stored secret in bytes (public knowledge: tokens have a fixed format).</summary>
    int SecretLength { get; }

    bool Verify(ReadOnlySpan<byte> presented);
}

public static class TokenVerifiers
{
    public static ITokenVerifier Create(VerifierKind kind, byte[] secret, int amplifyIterations) => kind switch
    {
        VerifierKind.Vulnerable => new VulnerableVerifier(secret, amplifyIterations),
        VerifierKind.ConstantTime => new ConstantTimeVerifier(secret),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static string Label(this VerifierKind kind) => kind switch
    {
        VerifierKind.Vulnerable => "vulnerable",
        VerifierKind.ConstantTime => "constant-time",
        _ => kind.ToString(),
    };

    /// <summary>Number of leading bytes of <paramref name="guess"/> that equal <paramref name="secret"/>.</summary>
    public static int CorrectPrefixLength(ReadOnlySpan<byte> secret, ReadOnlySpan<byte> guess)
    {
        var n = Math.Min(secret.Length, guess.Length);
        var i = 0;
        while (i < n && secret[i] == guess[i])
        {
            i++;
        }

        return i;
    }
}

/// <summary>
/// The bug under demonstration: compares byte by byte and returns at the first mismatch, so the
/// running time grows with the number of correct leading bytes. With <c>amplifyIterations</c> &gt; 0
/// it additionally spins that many iterations of a dependent integer loop after every matching byte
/// (standing in for per-byte work such as decoding or a slow device), which makes the leak large
/// enough to measure reliably on a noisy shared machine.
/// </summary>
public sealed class VulnerableVerifier : ITokenVerifier
{
    private readonly byte[] _secret;

    public VulnerableVerifier(byte[] secret, int amplifyIterations = 0)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentOutOfRangeException.ThrowIfNegative(amplifyIterations);
        _secret = (byte[])secret.Clone();
        AmplifyIterations = amplifyIterations;
    }

    public VerifierKind Kind => VerifierKind.Vulnerable;

    public int SecretLength => _secret.Length;

    public int AmplifyIterations { get; }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public bool Verify(ReadOnlySpan<byte> presented)
    {
        if (presented.Length != _secret.Length)
        {
            return false;
        }

        for (var i = 0; i < _secret.Length; i++)
        {
            if (presented[i] != _secret[i])
            {
                return false; // early exit: the leak
            }

            if (AmplifyIterations > 0)
            {
                Spin.Work(AmplifyIterations);
            }
        }

        return true;
    }
}

/// <summary>The fix: <see cref="CryptographicOperations.FixedTimeEquals"/> touches every byte whatever matches.</summary>
public sealed class ConstantTimeVerifier : ITokenVerifier
{
    private readonly byte[] _secret;

    public ConstantTimeVerifier(byte[] secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        _secret = (byte[])secret.Clone();
    }

    public VerifierKind Kind => VerifierKind.ConstantTime;

    public int SecretLength => _secret.Length;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public bool Verify(ReadOnlySpan<byte> presented) =>
        // FixedTimeEquals returns early only on a length mismatch, and the length is public.
        CryptographicOperations.FixedTimeEquals(presented, _secret);
}

/// <summary>A calibrated busy loop the JIT cannot remove (each step depends on the previous one).</summary>
public static class Spin
{
    private static long _sink;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Work(int iterations)
    {
        var x = _sink | 1;
        for (var i = 0; i < iterations; i++)
        {
            x = (x * 6364136223846793005L) + 1442695040888963407L;
        }

        _sink = x;
    }

    /// <summary>Measures nanoseconds per iteration of <see cref="Work"/> on this machine (median of several runs).</summary>
    public static double CalibrateNanosecondsPerIteration(int iterations = 200_000, int runs = 15)
    {
        Work(iterations); // JIT warm-up
        var perIteration = new double[runs];
        for (var r = 0; r < runs; r++)
        {
            var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            Work(iterations);
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(t0);
            perIteration[r] = elapsed.TotalNanoseconds / iterations;
        }

        return Stats.Median(perIteration);
    }
}
