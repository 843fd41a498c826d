using System.Net;
using System.Net.Sockets;

namespace SmartHome.TimingDemo;

/// <summary>
/// What both demo servers (<see cref="TimingServer"/>, <see cref="RaceServer"/>) share: a TCP listener that binds
/// loopback only, for tokens short enough for the one-byte length of the wire format, and accepts clients on a thread
/// each (few clients, low jitter) until disposed.
/// </summary>
internal sealed class LoopbackTokenListener : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;

    public LoopbackTokenListener(ITokenVerifier verifier, IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(verifier);
        ArgumentNullException.ThrowIfNull(address);
        if (!IPAddress.IsLoopback(address))
        {
            throw new ArgumentException($"The demo server binds loopback only, not {address}.", nameof(address));
        }

        if (verifier.SecretLength > byte.MaxValue)
        {
            throw new ArgumentException("Token too long for the wire format.", nameof(verifier));
        }

        _listener = new TcpListener(address, port);
        _listener.Start();
        Endpoint = (IPEndPoint)_listener.LocalEndpoint;
    }

    public IPEndPoint Endpoint { get; }

    /// <summary>True once disposed: client loops end at their next request.</summary>
    public bool Stopped => Volatile.Read(ref _disposed) != 0;

    /// <summary>Accepts clients until disposed; each is served by <paramref name="serve"/> on its own thread.</summary>
    public Task AcceptAsync(Action<Socket> serve, string threadName) => Task.Run(async () =>
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                break;
            }

            var thread = new Thread(() => serve(client)) { IsBackground = true, Name = threadName };
            thread.Start();
        }
    });

    /// <summary>Stops accepting and ends client loops; safe to call more than once.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}
