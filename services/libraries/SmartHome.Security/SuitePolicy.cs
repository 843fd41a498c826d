namespace SmartHome.Security;

/// <summary>
/// Which crypto suites each device may send in: its registry pin (<see cref="DeviceProfile.Suites"/>) or, without one, the
/// deployment's suite. The receiver asks it before any cryptography (<see cref="SuiteGate"/>).
/// </summary>
public sealed class SuitePolicy
{
    private readonly Dictionary<string, CryptoSuite[]> _allowed = new(StringComparer.Ordinal);

    public SuitePolicy(CryptoSuite deploymentSuite, DeviceRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        if (!CryptoSuites.All.Contains(deploymentSuite))
        {
            throw new ArgumentOutOfRangeException(nameof(deploymentSuite), deploymentSuite, "Not a crypto suite.");
        }
        DeploymentSuite = deploymentSuite;
        foreach (var (id, profile) in registry.Devices)
        {
            _allowed[id] = profile.Suites is { } pinned ? [.. pinned.Select(n => CryptoSuites.Parse(n, $"suites of '{id}'"))] : [deploymentSuite];
        }
        InUse = [.. CryptoSuites.All.Where(s => _allowed.Values.Any(a => a.Contains(s)))];
    }

    public CryptoSuite DeploymentSuite { get; }

    /// <summary>The registered device ids.</summary>
    public IEnumerable<string> Devices => _allowed.Keys;

    /// <summary>Every suite some registered device may use: the receiver needs the keys of each.</summary>
    public IReadOnlyList<CryptoSuite> InUse { get; }

    /// <summary>True when <paramref name="deviceId"/> is registered; <paramref name="suites"/> are then its allowed suites.</summary>
    public bool TryGetAllowed(string deviceId, out IReadOnlyList<CryptoSuite> suites)
    {
        bool found = _allowed.TryGetValue(deviceId, out var allowed);
        suites = allowed ?? [];
        return found;
    }

    public bool IsAllowed(string deviceId, CryptoSuite suite) => _allowed.TryGetValue(deviceId, out var allowed) && allowed.Contains(suite);

    /// <summary>The suite a sender uses for <paramref name="deviceId"/>: the deployment's when allowed, else its first pinned one.</summary>
    public CryptoSuite SendingSuite(string deviceId) =>
        !_allowed.TryGetValue(deviceId, out var allowed) || allowed.Contains(DeploymentSuite) ? DeploymentSuite : allowed[0];
}
