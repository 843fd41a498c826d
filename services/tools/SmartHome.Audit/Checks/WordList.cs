namespace SmartHome.Audit.Checks;

/// <summary>
/// The bounded word list of the credential-guessing check: default and common MQTT/IoT logins, most likely first. Short
/// on purpose: the check shows whether trivial passwords work and whether the broker slows guessing, not a real attack.
/// </summary>
public static class WordList
{
    private static readonly string[] Users = ["admin", "mosquitto", "mqtt", "user", "guest", "test", "root", "homeassistant", "pi", "device"];

    private static readonly string[] Passwords = ["admin", "password", "mosquitto", "mqtt", "123456", "public", "changeme", "test", "guest", "raspberry"];

    /// <summary>The given user (if any) with each password first, then each user with its own name, then the rest.</summary>
    public static IEnumerable<(string User, string Password)> Pairs(string? knownUser)
    {
        var seen = new HashSet<(string, string)>();
        IEnumerable<(string, string)> Ordered()
        {
            if (knownUser is not null)
            {
                foreach (var password in Passwords.Prepend(knownUser))
                {
                    yield return (knownUser, password);
                }
            }

            foreach (var user in Users)
            {
                yield return (user, user);
            }

            foreach (var user in Users)
            {
                foreach (var password in Passwords)
                {
                    yield return (user, password);
                }
            }
        }

        return Ordered().Where(seen.Add);
    }
}
