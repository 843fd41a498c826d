using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using SmartHome.Contracts;

namespace SmartHome.Actuator;

/// <summary>
/// The live stream behind <c>GET /decisions/stream</c>: the home's state when it opens, then every decision as the log records
/// it, each with the state right after. It follows the decision log by sequence number, so a slow reader skips nothing the ring
/// still holds, and it waits for the log's signal rather than polling. Every stream ends when <paramref name="stopping"/> fires
/// (the app is stopping): an open stream would otherwise hold the shutdown until its timeout.
/// </summary>
public sealed class HomeFeed(DecisionLog log, HomeState home, CancellationToken stopping = default)
{
    /// <summary>Decisions read from the log per wake-up: bounds one step's work during a flood.</summary>
    public const int BatchSize = 256;

    /// <summary>Live stream from now on; <paramref name="after"/> replays the decisions after that sequence number first.</summary>
    public async IAsyncEnumerable<SseItem<HomeUpdate>> StreamAsync(long? after, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        cancellationToken = ending.Token;
        var last = after ?? log.Count;
        yield return new SseItem<HomeUpdate>(new HomeUpdate(null, home.Snapshot()), HomeUpdate.SnapshotEvent);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await log.WaitForDecisionAfterAsync(last, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The client went away: end the stream quietly.
                yield break;
            }

            foreach (var decision in log.Query(last, BatchSize))
            {
                last = decision.Seq;
                yield return new SseItem<HomeUpdate>(new HomeUpdate(decision, home.Snapshot()), HomeUpdate.DecisionEvent)
                {
                    EventId = decision.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
            }
        }
    }
}
