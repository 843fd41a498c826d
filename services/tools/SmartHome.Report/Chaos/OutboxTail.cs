using System.Text;

namespace SmartHome.Report.Chaos;

/// <summary>
/// Follows a sensor's outbox file (<c>P device id createdMs reading</c> when a reading is taken, <c>D id reason</c> when
/// it leaves) into a <see cref="DeliveryLedger"/>, reading only complete lines. The sensor rewrites the file with just its
/// pending readings now and then (temp file, rename): a file shorter than what was read, or with another first line, is
/// read again from the start (lines seen twice change nothing). The file survives the sensor's restarts, so the tail
/// sees what every incarnation took, including what a killed sensor took and never answered for.
/// </summary>
public sealed class OutboxTail(string path, DeliveryLedger ledger)
{
    private const int HeadBytes = 64;

    private long _position;
    private byte[] _head = [];

    public string Path => path;

    /// <summary>Reads the lines appended since the last call.</summary>
    public void Poll()
    {
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (FileNotFoundException)
        {
            return;
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }

        using (file)
        {
            var head = new byte[Math.Min(HeadBytes, file.Length)];
            file.ReadExactly(head);
            if (file.Length < _position || !head.AsSpan(0, Math.Min(head.Length, _head.Length)).SequenceEqual(_head.AsSpan(0, Math.Min(head.Length, _head.Length))))
            {
                _position = 0; // rewritten (compacted): read it all again
            }

            _head = head;
            file.Position = _position;
            var rest = new byte[file.Length - _position];
            file.ReadExactly(rest);
            var complete = Array.LastIndexOf(rest, (byte)'\n') + 1;
            foreach (var line in Encoding.ASCII.GetString(rest, 0, complete).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                Take(line);
            }

            _position += complete;
        }
    }

    private void Take(string line)
    {
        var parts = line.Split(' ');
        switch (parts)
        {
            case ["P", _, var messageId, _, _]:
                ledger.Taken(messageId);
                break;
            case ["D", var messageId, var reason]:
                ledger.Removed(messageId, reason);
                break;
        }
    }
}
