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

    /// <summary>Acknowledgements of a device's readings, published by the actuator (docs/PROTOCOL.md, "Acknowledgement").</summary>
    public const string AcksPrefix = Root + "/acks/";

    public static string Readings(string deviceId) => ReadingsPrefix + ValidateDeviceId(deviceId);

    public static string Keys(string deviceId) => KeysPrefix + ValidateDeviceId(deviceId);

    public static string Acks(string deviceId) => AcksPrefix + ValidateDeviceId(deviceId);

    /// <summary>Device id of an acknowledgement topic <c>smarthome/acks/&lt;id&gt;</c>; false for any other topic.</summary>
    public static bool TryGetAckDeviceId(string topic, out string deviceId)
    {
        deviceId = string.Empty;
        if (topic is null || !topic.StartsWith(AcksPrefix, StringComparison.Ordinal) || !IsValidDeviceId(topic[AcksPrefix.Length..]))
        {
            return false;
        }

        deviceId = topic[AcksPrefix.Length..];
        return true;
    }

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
