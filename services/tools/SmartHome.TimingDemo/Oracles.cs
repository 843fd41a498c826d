using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SmartHome.TimingDemo;

/// <summary>One query: how long the verifier took (as the attacker sees it) and whether it accepted.</summary>
public readonly record struct OracleResult(double ElapsedNs, bool Accepted);

/// <summary>What the attacker can do: present a token and time the answer. Nothing else.</summary>
public interface ITimingOracle
{
    /// <summary>Token length in bytes (public: tokens have a fixed format).</summary>
    int TokenLength { get; }

    string Description { get; }

    OracleResult Query(ReadOnlySpan<byte> guess);
}

/// <summary>
/// Times a verifier in-process with <see cref="Stopwatch.GetTimestamp"/>. With <c>repetitions</c> &gt; 1
/// each sample is the mean of that many back-to-back calls (averages timer jitter; the per-byte leak
/// itself is unchanged).
/// </summary>
public sealed class InProcessOracle : ITimingOracle
{
    private readonly ITokenVerifier _verifier;
    private readonly int _repetitions;
    private readonly byte[]? _secretForMetrics;

    /// <param name="secretForMetrics">Only used to tag the OTel histogram with the true correct-prefix length;
    /// the attack never sees it.</param>
    public InProcessOracle(ITokenVerifier verifier, int repetitions = 1, byte[]? secretForMetrics = null)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        ArgumentOutOfRangeException.ThrowIfLessThan(repetitions, 1);
        _verifier = verifier;
        _repetitions = repetitions;
        _secretForMetrics = secretForMetrics;
    }

    public int TokenLength => _verifier.SecretLength;

    public string Description => _repetitions == 1
        ? $"in-process {_verifier.Kind.Label()}"
        : $"in-process {_verifier.Kind.Label()} (x{_repetitions} calls per sample)";

    public OracleResult Query(ReadOnlySpan<byte> guess)
    {
        var accepted = false;
        var t0 = Stopwatch.GetTimestamp();
        for (var r = 0; r < _repetitions; r++)
        {
            accepted = _verifier.Verify(guess);
        }

        var t1 = Stopwatch.GetTimestamp();
        var ns = (t1 - t0) * (1e9 / Stopwatch.Frequency) / _repetitions;
        if (_secretForMetrics is not null)
        {
            TimingMetrics.RecordVerify(_verifier.Kind, TokenVerifiers.CorrectPrefixLength(_secretForMetrics, guess), ns);
        }

        return new OracleResult(ns, accepted);
    }
}

/// <summary>
/// Queries a <see cref="TimingServer"/> over loopback TCP and times the round trip client-side.
/// Wire format: server greets with one byte (token length); request = length byte + token; reply = 1 byte (1 accepted, 0 rejected).
/// </summary>
public sealed class NetworkOracle : ITimingOracle, IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _request;
    private readonly byte[] _reply = new byte[1];

    public NetworkOracle(IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!IPAddress.IsLoopback(address))
        {
            throw new ArgumentException($"Only loopback addresses are allowed, not {address}.", nameof(address));
        }

        _socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket.Connect(new IPEndPoint(address, port));
        var hello = new byte[1];
        ReceiveExactly(_socket, hello);
        TokenLength = hello[0];
        _request = new byte[1 + TokenLength];
        Endpoint = new IPEndPoint(address, port);
    }

    public IPEndPoint Endpoint { get; }

    public int TokenLength { get; }

    public string Description => $"tcp {Endpoint}";

    public OracleResult Query(ReadOnlySpan<byte> guess)
    {
        if (guess.Length != TokenLength)
        {
            throw new ArgumentException($"Guess must be {TokenLength} bytes.", nameof(guess));
        }

        _request[0] = (byte)guess.Length;
        guess.CopyTo(_request.AsSpan(1));
        var t0 = Stopwatch.GetTimestamp();
        _socket.Send(_request);
        ReceiveExactly(_socket, _reply);
        var elapsed = Stopwatch.GetElapsedTime(t0);
        return new OracleResult(elapsed.TotalNanoseconds, _reply[0] == 1);
    }

    public void Dispose() => _socket.Dispose();

    internal static void ReceiveExactly(Socket socket, Span<byte> buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = socket.Receive(buffer[read..]);
            if (n == 0)
            {
                throw new EndOfStreamException("Connection closed.");
            }

            read += n;
        }
    }
}

/// <summary>The "device" side: a loopback-only TCP server that checks presented tokens with a verifier.</summary>
public sealed class TimingServer : IDisposable
{
    private readonly ITokenVerifier _verifier;
    private readonly byte[] _secret;
    private readonly LoopbackTokenListener _listener;
    private long _requests;

    public TimingServer(ITokenVerifier verifier, byte[] secret, IPAddress address, int port)
    {
        _secret = (byte[])secret.Clone();
        _listener = new LoopbackTokenListener(verifier, address, port);
        _verifier = verifier;
    }

    public IPEndPoint Endpoint => _listener.Endpoint;

    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Accepts clients until disposed; each client gets its own thread (few clients, low jitter).</summary>
    public Task RunAsync() => _listener.AcceptAsync(Serve, "timing-client");

    private void Serve(Socket client)
    {
        using (client)
        {
            client.NoDelay = true;
            var len = _verifier.SecretLength;
            var header = new byte[1];
            var token = new byte[byte.MaxValue];
            var reply = new byte[1];
            try
            {
                client.Send([(byte)len]);
                while (!_listener.Stopped)
                {
                    NetworkOracle.ReceiveExactly(client, header);
                    var body = token.AsSpan(0, header[0]);
                    NetworkOracle.ReceiveExactly(client, body);
                    var t0 = Stopwatch.GetTimestamp();
                    var ok = _verifier.Verify(body);
                    var ns = Stopwatch.GetElapsedTime(t0).TotalNanoseconds;
                    reply[0] = ok ? (byte)1 : (byte)0;
                    // Counted before it is answered: once a client has its answer, the count includes it.
                    Interlocked.Increment(ref _requests);
                    client.Send(reply);
                    TimingMetrics.RecordVerify(_verifier.Kind, TokenVerifiers.CorrectPrefixLength(_secret, body), ns);
                }
            }
            catch (EndOfStreamException)
            {
                // client finished
            }
            catch (SocketException)
            {
                // client went away
            }
            catch (ObjectDisposedException)
            {
                // shutting down
            }
        }
    }

    /// <summary>Stops accepting and ends client loops; safe to call more than once.</summary>
    public void Dispose() => _listener.Dispose();
}
