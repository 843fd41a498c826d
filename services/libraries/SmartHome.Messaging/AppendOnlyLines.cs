using System.Text;

namespace SmartHome.Messaging;

/// <summary>
/// Reads the append-only line files the services keep (the sensor's outbox, the actuator's applied journal): complete
/// ASCII lines with the file offset after each. A last line without its newline was torn by a crash and is not returned,
/// so a reader can truncate the file to the last offset it saw. An absent file has no lines.
/// </summary>
public static class AppendOnlyLines
{
    public static IEnumerable<(string Line, long End)> Read(string path)
    {
        if (!File.Exists(path))
        {
            yield break;
        }

        byte[] bytes;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            bytes = copy.ToArray();
        }

        int start = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                yield return (Encoding.ASCII.GetString(bytes, start, i - start), i + 1);
                start = i + 1;
            }
        }
    }
}
