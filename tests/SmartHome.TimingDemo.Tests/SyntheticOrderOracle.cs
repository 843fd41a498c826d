namespace SmartHome.TimingDemo.Tests;

/// <summary>
/// A fake race, from a seeded Random (no clock, no network): when the two tokens have different correct-prefix lengths the
/// longer one answers last with probability <paramref name="longerLast"/>; when they are equal (or the leak is off, 0.5) the
/// second one sent answers last with probability <paramref name="secondLast"/> (a position bias, as a real server has).
/// </summary>
internal sealed class SyntheticOrderOracle(byte[] secret, double longerLast, double secondLast, int seed) : IOrderOracle
{
    private readonly Random _rng = new(seed);

    public int TokenLength => secret.Length;

    public string Description => $"synthetic race (longer answers last with p = {longerLast}, second sent last with p = {secondLast})";

    public long Races { get; private set; }

    public RaceResult Race(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        Races++;
        var a = TokenVerifiers.CorrectPrefixLength(secret, first);
        var b = TokenVerifiers.CorrectPrefixLength(secret, second);
        bool secondAnsweredLast;
        if (a == b)
        {
            secondAnsweredLast = _rng.NextDouble() < secondLast;
        }
        else
        {
            var longerAnsweredLast = _rng.NextDouble() < longerLast;
            secondAnsweredLast = b > a ? longerAnsweredLast : !longerAnsweredLast;
        }

        return new RaceResult(secondAnsweredLast, first.SequenceEqual(secret), second.SequenceEqual(secret));
    }
}
