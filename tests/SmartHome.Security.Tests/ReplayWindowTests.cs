using CsCheck;

namespace SmartHome.Security.Tests;

public class ReplayWindowTests
{
    [Fact]
    public void Window_Basics()
    {
        var w = default(ReplayWindow);
        Assert.False(w.Check(0));
        Assert.True(w.Commit(5));
        Assert.False(w.Commit(5));
        Assert.True(w.Commit(3));
        Assert.True(w.Commit(300));
        Assert.False(w.Check(300 - 256));
        Assert.True(w.Check(300 - 255));
        Assert.True(w.Commit(300 - 255));
        Assert.False(w.Check(300 - 255));
        Assert.Equal(2, w.SeenInWindow());
    }

    [Fact]
    public void Restored_TreatsEverythingUpToHighestAsSeen()
    {
        var w = ReplayWindow.Restored(1000);
        Assert.False(w.Check(1000));
        Assert.False(w.Check(999));
        Assert.False(w.Check(745));
        Assert.True(w.Check(1001));
        Assert.True(ReplayWindow.Restored(0).Check(1));
    }

    /// <summary>Model-based property: the bitmap window agrees with a set-based reference on random sequences.</summary>
    [Fact]
    public void Window_MatchesReferenceModel()
    {
        Gen.ULong[1, 700].Array[1, 300].Sample(seq =>
        {
            var w = default(ReplayWindow);
            var seen = new HashSet<ulong>();
            ulong highest = 0;
            foreach (ulong c in seq)
            {
                bool expected = !seen.Contains(c) && (c > highest || highest - c < ReplayWindow.Size);
                Assert.Equal(expected, w.Check(c));
                Assert.Equal(expected, w.Commit(c));
                if (expected)
                {
                    seen.Add(c);
                    highest = Math.Max(highest, c);
                }
                Assert.Equal(highest, w.Highest);
            }
        }, iter: 2000);
    }
}
