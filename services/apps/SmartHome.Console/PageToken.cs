using System.Security.Cryptography;
using SmartHome.ServiceDefaults;

namespace SmartHome.Console;

/// <summary>
/// The token this console's own page sends with every control press (<c>X-Console-Token</c>). The page reads it from
/// <c>GET /api/session</c>, which another site's page cannot read (same-origin policy, no CORS here), so a cross-site form or
/// script cannot press the console's buttons even though the console holds the control secret.
/// </summary>
public sealed class PageToken
{
    public const string Header = "X-Console-Token";

    public string Value { get; } = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public bool Matches(string? presented) => !string.IsNullOrEmpty(presented) && ControlAccess.SecretEquals(presented, Value);
}
