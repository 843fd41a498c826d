using System.Numerics;
using System.Runtime.CompilerServices;

namespace SmartHome.Security;

/// <summary>256 bits, inline (no array allocation per sender).</summary>
[InlineArray(4)]
internal struct Bits256
{
    private ulong _w0;
}

/// <summary>
/// Sliding anti-replay window (RFC 4303 style) over a per-sender monotonic counter.
/// Bit i of the bitmap means "counter Highest - i was accepted". Counters more than
/// <see cref="Size"/> below the highest are rejected. Not thread-safe: the receiver holds the sender's lock.
/// </summary>
internal struct ReplayWindow
{
    public const int Size = 256;

    private Bits256 _bits;

    public ulong Highest { get; private set; }

    /// <summary>
    /// Window restored from a persisted highest counter: everything at or below it counts as seen
    /// (the bitmap is not persisted, so the only safe assumption is "all seen").
    /// </summary>
    public static ReplayWindow Restored(ulong highest)
    {
        var w = new ReplayWindow { Highest = highest };
        if (highest > 0)
        {
            for (int i = 0; i < 4; i++)
            {
                w._bits[i] = ulong.MaxValue;
            }
        }
        return w;
    }

    /// <summary>True if <paramref name="counter"/> would be accepted (not seen, not below the window).</summary>
    public readonly bool Check(ulong counter)
    {
        if (counter == 0)
        {
            return false;
        }
        if (counter > Highest)
        {
            return true;
        }
        ulong back = Highest - counter;
        if (back >= Size)
        {
            return false;
        }
        int i = (int)back;
        return (_bits[i >> 6] & (1UL << (i & 63))) == 0;
    }

    /// <summary>Marks <paramref name="counter"/> as seen. Returns false (and changes nothing) if it was not acceptable.</summary>
    public bool Commit(ulong counter)
    {
        if (!Check(counter))
        {
            return false;
        }
        if (counter > Highest)
        {
            ShiftUp(counter - Highest);
            Highest = counter;
            _bits[0] |= 1UL;
        }
        else
        {
            int i = (int)(Highest - counter);
            _bits[i >> 6] |= 1UL << (i & 63);
        }
        return true;
    }

    public readonly int SeenInWindow()
    {
        int n = 0;
        for (int i = 0; i < 4; i++)
        {
            n += BitOperations.PopCount(_bits[i]);
        }
        return n;
    }

    private void ShiftUp(ulong distance)
    {
        if (distance >= Size)
        {
            for (int i = 0; i < 4; i++)
            {
                _bits[i] = 0;
            }
            return;
        }
        int d = (int)distance;
        int wordShift = d >> 6;
        int bitShift = d & 63;
        for (int k = 3; k >= 0; k--)
        {
            int src = k - wordShift;
            ulong v = 0;
            if (src >= 0)
            {
                v = _bits[src] << bitShift;
                if (bitShift != 0 && src > 0)
                {
                    v |= _bits[src - 1] >> (64 - bitShift);
                }
            }
            _bits[k] = v;
        }
    }
}
