namespace SmartHome.TimingDemo.Tests;

/// <summary>
/// A fake timer: time = base + leak x (correct leading bytes) + heavy noise, from a seeded Random.
/// No clock is read, so every test is deterministic. With <paramref name="leakyBytes"/> only the first that many bytes
/// leak (the comparison goes on in constant time after them).
/// </summary>
internal sealed class SyntheticOracle(byte[] secret, double leakPerByte, int seed, int leakyBytes = int.MaxValue) : ITimingOracle
{
    private readonly Random _rng = new(seed);

    public int TokenLength => secret.Length;

    public string Description => $"synthetic (leak {leakPerByte}/byte)";

    public long Queries { get; private set; }

    public OracleResult Query(ReadOnlySpan<byte> guess)
    {
        Queries++;
        var prefix = Math.Min(leakyBytes, TokenVerifiers.CorrectPrefixLength(secret, guess));
        var time = 100.0 + (leakPerByte * prefix) + Noise();
        return new OracleResult(time, guess.SequenceEqual(secret));
    }

    /// <summary>Gaussian (sd 2) + exponential tail (mean 2) + 2 % outliers up to +200: sd of about 14 units.</summary>
    private double Noise()
    {
        var u1 = 1.0 - _rng.NextDouble();
        var u2 = _rng.NextDouble();
        var gauss = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        var exp = -2.0 * Math.Log(1.0 - _rng.NextDouble());
        var outlier = _rng.NextDouble() < 0.02 ? 200.0 * _rng.NextDouble() : 0.0;
        return (2.0 * gauss) + exp + outlier;
    }
}
