using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SmartHome.TimingDemo;

/// <summary>
/// The "device" for the timeless technique: a loopback-only TCP server that checks the two requests of a pair on two
/// threads released at the same instant and answers each (with its request id) the moment its check is done, so the
/// answers come back in the order the checks finished. Wire format in <see cref="TimelessOracle"/>.
/// </summary>
public sealed class RaceServer : IDisposable
{
    private const int RequestsPerRace = 2;

    /// <summary>How long a checker waits at the start line for the other before starting alone.</summary>
    private static readonly TimeSpan StartLineWait = TimeSpan.FromMicroseconds(3000);
    private readonly ITokenVerifier _verifier;
    private readonly byte[] _secret;
    private readonly LoopbackTokenListener _listener;
    private long _requests;

    public RaceServer(ITokenVerifier verifier, byte[] secret, IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(secret);
        _secret = (byte[])secret.Clone();
        _listener = new LoopbackTokenListener(verifier, address, port);
        _verifier = verifier;
    }

    public IPEndPoint Endpoint => _listener.Endpoint;

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Accepts clients until disposed; each client gets a reader thread and two checker threads.</summary>
    public Task RunAsync() => _listener.AcceptAsync(Serve, "race-client");

    private void Serve(Socket client)
    {
        var ids = new byte[RequestsPerRace];
        var lengths = new int[RequestsPerRace];
        var tokens = new byte[RequestsPerRace][];
        var incoming = new byte[RequestsPerRace][];
        var incomingIds = new byte[RequestsPerRace];
        var incomingLengths = new int[RequestsPerRace];
        for (var i = 0; i < RequestsPerRace; i++)
        {
            tokens[i] = new byte[byte.MaxValue];
            incoming[i] = new byte[byte.MaxValue];
        }

        var atStartLine = 0;

        // The pair moves from the reader's buffers to the checkers' only when all three meet, so no checker ever reads a
        // half-written request, and the reader never waits (spinning) for the answers: it goes straight back to reading.
        void HandOver(Barrier _)
        {
            for (var i = 0; i < RequestsPerRace; i++)
            {
                ids[i] = incomingIds[i];
                lengths[i] = incomingLengths[i];
                incoming[i].AsSpan(0, incomingLengths[i]).CopyTo(tokens[i]);
            }

            atStartLine = 0;
        }

        using (client)
        using (var connectionClosed = new CancellationTokenSource())
        using (var start = new Barrier(RequestsPerRace + 1, HandOver))
        {
            client.NoDelay = true;
            var sendLock = new Lock();
            var checkers = new Thread[RequestsPerRace];
            for (var i = 0; i < RequestsPerRace; i++)
            {
                var slot = i;
                checkers[i] = new Thread(() => Check(slot)) { IsBackground = true, Name = $"race-check-{i}" };
                checkers[i].Start();
            }

            void Check(int slot)
            {
                var answer = new byte[2];
                try
                {
                    while (true)
                    {
                        start.SignalAndWait(connectionClosed.Token); // released together with the other checker
                        WaitAtStartLine(ref atStartLine);
                        var body = tokens[slot].AsSpan(0, lengths[slot]);
                        var t0 = Stopwatch.GetTimestamp();
                        var ok = _verifier.Verify(body);
                        var ns = Stopwatch.GetElapsedTime(t0).TotalNanoseconds;
                        answer[0] = ids[slot];
                        answer[1] = ok ? (byte)1 : (byte)0;
                        // Counted before it is answered: once a client has its answer, the count includes it.
                        Interlocked.Increment(ref _requests);
                        lock (sendLock)
                        {
                            client.Send(answer); // at once: the order of answers is the order the checks finished
                        }

                        TimingMetrics.RecordVerify(_verifier.Kind, TokenVerifiers.CorrectPrefixLength(_secret, body), ns);
                    }
                }
                catch (OperationCanceledException)
                {
                    // the reader is closing the connection
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                    connectionClosed.Cancel(); // the client went away: release the reader and the other checker
                }
            }

            try
            {
                client.Send([(byte)_verifier.SecretLength]);
                var header = new byte[2];
                while (!_listener.Stopped)
                {
                    for (var i = 0; i < RequestsPerRace; i++)
                    {
                        NetworkOracle.ReceiveExactly(client, header);
                        incomingIds[i] = header[0];
                        incomingLengths[i] = header[1];
                        NetworkOracle.ReceiveExactly(client, incoming[i].AsSpan(0, header[1]));
                    }

                    start.SignalAndWait(connectionClosed.Token); // waits for both checkers to be free, hands over, starts both
                }
            }
            catch (Exception e) when (e is EndOfStreamException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
                // client finished, went away, or the server is stopping
            }
            finally
            {
                connectionClosed.Cancel();
                foreach (var checker in checkers)
                {
                    checker.Join();
                }
            }
        }
    }

    /// <summary>
    /// Both checkers spin here until both are on a CPU, then start together: a woken thread may wait tens of microseconds
    /// for a core, and that wait, not the check, would then decide the order. A server with idle cores starts concurrent
    /// requests together anyway; on a loaded machine this line stands in for those idle cores (bounded, so a checker
    /// that gets no core does not hold the other up for long).
    /// </summary>
    private static void WaitAtStartLine(ref int atStartLine)
    {
        Interlocked.Increment(ref atStartLine);
        var since = Stopwatch.GetTimestamp();
        while (Volatile.Read(ref atStartLine) < RequestsPerRace && Stopwatch.GetElapsedTime(since) < StartLineWait)
        {
            Thread.SpinWait(8); // busy, never yield: a yielding checker would lose its core for a whole time slice
        }
    }

    /// <summary>Stops accepting and ends client loops; safe to call more than once.</summary>
    public void Dispose() => _listener.Dispose();
}
