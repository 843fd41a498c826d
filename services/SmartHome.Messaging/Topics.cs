using SmartHome.Security;

namespace SmartHome.Messaging;

/// <summary>
/// Topic layout shared by both pipelines. Each device owns exactly one reading topic and one
/// key-announcement topic, which is what the secure broker's ACL grants it.
/// </summary>
public static class Topics
{
    public const string Root = "smarthome";
    public const string ReadingsPrefix = Root + "/readings/";
    public const string KeysPrefix = Root + "/keys/";
    public const string ReadingsFilter = ReadingsPrefix + "+";
    public const string KeysFilter = KeysPrefix + "+";

    public static string Readings(string deviceId) => ReadingsPrefix + ValidateDeviceId(deviceId);

    public static string Keys(string deviceId) => KeysPrefix + ValidateDeviceId(deviceId);

    /// <summary>Device id of a reading or key topic; false for any other topic.</summary>
    public static bool TryGetDeviceId(string topic, out string deviceId)
    {
        deviceId = string.Empty;
        string rest;
        if (topic.StartsWith(ReadingsPrefix, StringComparison.Ordinal))
        {
            rest = topic[ReadingsPrefix.Length..];
        }
        else if (topic.StartsWith(KeysPrefix, StringComparison.Ordinal))
        {
            rest = topic[KeysPrefix.Length..];
        }
        else
        {
            return false;
        }

        if (!IsValidDeviceId(rest))
        {
            return false;
        }

        deviceId = rest;
        return true;
    }

    public static bool IsReadingTopic(string topic) => topic.StartsWith(ReadingsPrefix, StringComparison.Ordinal);

    public static bool IsKeyTopic(string topic) => topic.StartsWith(KeysPrefix, StringComparison.Ordinal);

    /// <summary>The one device id rule (<see cref="DeviceIds"/>: 1..48 of [a-z0-9-]), safe in topics, file names and ACL lines.</summary>
    public static bool IsValidDeviceId(string deviceId) => DeviceIds.IsValid(deviceId);

    private static string ValidateDeviceId(string deviceId) => DeviceIds.Require(deviceId, nameof(deviceId));
}
