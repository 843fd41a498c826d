using System.Net;
using System.Net.Sockets;

namespace SmartHome.TimingDemo;

/// <summary>One race: two tokens presented together; which answer came back last, and what each answer said.</summary>
public readonly record struct RaceResult(bool SecondAnsweredLast, bool FirstAccepted, bool SecondAccepted);

/// <summary>
/// What the attacker of the "timeless" technique can do: present two tokens at the same instant and see the order of
/// the answers. No clock is read: network jitter, which delays both alike, drops out.
/// </summary>
public interface IOrderOracle
{
    int TokenLength { get; }

    string Description { get; }

    RaceResult Race(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second);
}

/// <summary>
/// Races two tokens on one loopback TCP connection to a <see cref="RaceServer"/>: both requests leave in one send (one
/// segment), each carries a request id, and the server answers each as soon as it has decided it.
/// Wire format: server greets with one byte (token length); request = id byte + length byte + token;
/// answer = id byte + verdict byte (1 accepted, 0 rejected).
/// </summary>
public sealed class TimelessOracle : IOrderOracle, IDisposable
{
    private const byte FirstId = 1;
    private const byte SecondId = 2;
    private readonly Socket _socket;
    private readonly byte[] _requests;
    private readonly byte[] _answers = new byte[4];

    public TimelessOracle(IPAddress address, int port)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!IPAddress.IsLoopback(address))
        {
            throw new ArgumentException($"Only loopback addresses are allowed, not {address}.", nameof(address));
        }

        _socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            _socket.Connect(new IPEndPoint(address, port));
            var hello = new byte[1];
            NetworkOracle.ReceiveExactly(_socket, hello);
            TokenLength = hello[0];
        }
        catch
        {
            _socket.Dispose();
            throw;
        }

        _requests = new byte[2 * (2 + TokenLength)];
        Endpoint = new IPEndPoint(address, port);
    }

    public IPEndPoint Endpoint { get; }

    public int TokenLength { get; }

    public string Description => $"tcp {Endpoint}, request pairs in one segment, answer order only";

    public RaceResult Race(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        if (first.Length != TokenLength || second.Length != TokenLength)
        {
            throw new ArgumentException($"Both tokens must be {TokenLength} bytes.");
        }

        var size = 2 + TokenLength;
        _requests[0] = FirstId;
        _requests[1] = (byte)TokenLength;
        first.CopyTo(_requests.AsSpan(2));
        _requests[size] = SecondId;
        _requests[size + 1] = (byte)TokenLength;
        second.CopyTo(_requests.AsSpan(size + 2));
        _socket.Send(_requests); // one send: both requests reach the server together
        NetworkOracle.ReceiveExactly(_socket, _answers);
        if (_answers[0] == _answers[2] || _answers[0] is not (FirstId or SecondId) || _answers[2] is not (FirstId or SecondId))
        {
            throw new IOException("The server's answers do not match the two requests.");
        }

        var firstAccepted = _answers[0] == FirstId ? _answers[1] == 1 : _answers[3] == 1;
        var secondAccepted = _answers[0] == SecondId ? _answers[1] == 1 : _answers[3] == 1;
        return new RaceResult(_answers[2] == SecondId, firstAccepted, secondAccepted);
    }

    public void Dispose() => _socket.Dispose();
}
