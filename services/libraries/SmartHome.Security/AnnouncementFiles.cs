using System.Buffers.Binary;
using System.Text;

namespace SmartHome.Security;

/// <summary>
/// The accepted session-key announcements a receiver keeps on disk, the last two per sender ("current" and "previous"),
/// each as received with its topic, so a restarted receiver can install its senders' session keys again. Files are
/// written whole (temp, then rename) and readable by their owner only. The receiver verifies what it reads back: a
/// file here is a claim, not a key.
/// </summary>
public sealed class AnnouncementFiles
{
    private readonly string _directory;

    public AnnouncementFiles(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _directory = directory;
        Directory.CreateDirectory(directory);
    }

    /// <summary>Keeps the announcement just accepted; the one kept before it becomes "previous".</summary>
    public void Keep(string senderId, string topic, ReadOnlySpan<byte> wire)
    {
        ArgumentNullException.ThrowIfNull(senderId);
        ArgumentNullException.ThrowIfNull(topic);
        try
        {
            var current = PathOf(senderId, "current");
            if (File.Exists(current))
            {
                File.Move(current, PathOf(senderId, "previous"), overwrite: true);
            }

            var topicBytes = Encoding.UTF8.GetBytes(topic);
            var content = new byte[2 + topicBytes.Length + wire.Length];
            BinaryPrimitives.WriteUInt16BigEndian(content, (ushort)topicBytes.Length);
            topicBytes.CopyTo(content, 2);
            wire.CopyTo(content.AsSpan(2 + topicBytes.Length));
            var temporary = current + ".tmp";
            File.WriteAllBytes(temporary, content);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temporary, current, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Losing this file only costs a re-announcement after a restart; the message itself was valid.
        }
    }

    /// <summary>The kept announcements of <paramref name="senderId"/>, oldest first (install them in this order); unreadable files are skipped.</summary>
    public IReadOnlyList<(string Topic, byte[] Wire)> Kept(string senderId)
    {
        ArgumentNullException.ThrowIfNull(senderId);
        var kept = new List<(string, byte[])>(2);
        foreach (var which in (string[])["previous", "current"])
        {
            byte[] content;
            try
            {
                var path = PathOf(senderId, which);
                if (!File.Exists(path))
                {
                    continue;
                }

                content = File.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            if (content.Length < 2 || content.Length < 2 + BinaryPrimitives.ReadUInt16BigEndian(content))
            {
                continue;
            }

            var topicLength = BinaryPrimitives.ReadUInt16BigEndian(content);
            kept.Add((Encoding.UTF8.GetString(content, 2, topicLength), content[(2 + topicLength)..]));
        }

        return kept;
    }

    private string PathOf(string senderId, string which) => Path.Combine(_directory, $"{senderId}.{which}.announcement");
}
