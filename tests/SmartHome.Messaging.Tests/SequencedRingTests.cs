namespace SmartHome.Messaging.Tests;

public sealed class SequencedRingTests
{
    private sealed record Entry(long Seq, string Label);

    [Fact]
    public void Numbers_records_from_one_and_pages_after_a_sequence_number_oldest_first()
    {
        var ring = new SequencedRing<Entry>(16);
        foreach (var label in new[] { "a", "b", "c", "d" })
        {
            ring.Add(seq => new Entry(seq, label));
        }

        Assert.Equal(4, ring.Count);
        Assert.Equal(["a", "b", "c", "d"], ring.After(0, 10).Select(e => e.Label));
        Assert.Equal([3L, 4L], ring.After(2, 10).Select(e => e.Seq));
        Assert.Equal(["b"], ring.After(1, 1).Select(e => e.Label));
        Assert.Equal(["b", "d"], ring.After(0, 10, e => e.Seq % 2 == 0).Select(e => e.Label));
        Assert.Empty(ring.After(4, 10));
    }

    [Fact]
    public void Keeps_only_the_newest_capacity_records_and_never_fewer_than_16()
    {
        var ring = new SequencedRing<Entry>(1);
        Assert.Equal(16, ring.Capacity);
        for (var i = 0; i < 40; i++)
        {
            ring.Add(seq => new Entry(seq, "x"));
        }

        var kept = ring.After(0, 100);
        Assert.Equal(Enumerable.Range(25, 16).Select(i => (long)i), kept.Select(e => e.Seq));
        Assert.Equal(40, ring.Count);
    }
}
