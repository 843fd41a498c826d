namespace SmartHome.Security;

/// <summary>
/// The one rule for a device (sender) id: 1..48 characters of <c>[a-z0-9-]</c>. The same string is the envelope's
/// sender id, the last segment of the device's MQTT topics, its MQTT username and ACL pattern, its key and counter
/// file names, its registry entry and the reading's <c>deviceId</c>, so it must be safe in all of them: no MQTT
/// separator or wildcard (<c>/ + #</c>), no path component (<c>.</c>, <c>..</c>), no space or ACL syntax, no case
/// (file systems and people disagree about case). docs/PROTOCOL.md, "Device ids", is the normative text.
/// </summary>
public static class DeviceIds
{
    /// <summary>Longest id (it is one byte-length-prefixed field of the envelope header, and a file name).</summary>
    public const int MaxLength = 48;

    /// <summary>The rule in words, for error messages.</summary>
    public const string Rule = "1..48 characters of a-z, 0-9 and '-'";

    /// <summary>
    /// The rule as a regular expression, as in docs/reading.schema.json. <c>(?!\n)</c> because in .NET and Python
    /// regular expressions <c>$</c> also matches before a final newline (ECMA-262's does not).
    /// </summary>
    public const string Pattern = @"^[a-z0-9-]{1,48}$(?!\n)";

    /// <summary>True if <paramref name="id"/> follows the rule.</summary>
    public static bool IsValid(ReadOnlySpan<char> id)
    {
        if (id.Length is 0 or > MaxLength)
        {
            return false;
        }

        foreach (char c in id)
        {
            if (!IsValidChar(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True if <paramref name="c"/> (a char or a byte of the envelope header) may appear in an id.</summary>
    public static bool IsValidChar(int c) => (uint)(c - 'a') <= 'z' - 'a' || (uint)(c - '0') <= 9 || c == '-';

    /// <summary>Returns <paramref name="id"/>, or throws an <see cref="ArgumentException"/> that states the rule.</summary>
    public static string Require(string id, string paramName)
    {
        ArgumentNullException.ThrowIfNull(id, paramName);
        if (IsValid(id))
        {
            return id;
        }

        // Bounded: the id may come from a file name or configuration, never trusted to be short.
        string shown = id.Length <= 64 ? id : id[..64] + "…";
        throw new ArgumentException($"'{shown}' is not a valid device id ({Rule}).", paramName);
    }
}
