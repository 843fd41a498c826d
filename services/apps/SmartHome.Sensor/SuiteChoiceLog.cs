using SmartHome.Security;

namespace SmartHome.Sensor;

/// <summary>
/// One start-up line per device: the suite its readings are sealed in and why (the deployment's suite, or its registry pin),
/// so an operator sees which devices do not follow <c>Security:Suite</c>.
/// </summary>
internal static partial class SuiteChoiceLog
{
    public static void Write(ILogger logger, CryptoSuite deploymentSuite, IEnumerable<DeviceSuiteChoice> choices)
    {
        foreach (var choice in choices)
        {
            if (choice.Pinned)
            {
                SealsInPinnedSuite(logger, choice.DeviceId, choice.Suite.Name(), deploymentSuite.Name());
            }
            else
            {
                SealsInDeploymentSuite(logger, choice.DeviceId, choice.Suite.Name());
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Device {DeviceId} seals its readings in suite {Suite}, the deployment's suite")]
    private static partial void SealsInDeploymentSuite(ILogger logger, string deviceId, string suite);

    [LoggerMessage(LogLevel.Information,
        "Device {DeviceId} seals its readings in suite {Suite}, the first of its registry pin: the deployment's suite {DeploymentSuite} is not allowed for it")]
    private static partial void SealsInPinnedSuite(ILogger logger, string deviceId, string suite, string deploymentSuite);
}
