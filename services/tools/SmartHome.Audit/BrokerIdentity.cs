namespace SmartHome.Audit;

/// <summary>A login the audit uses: a username and password, or none (anonymous). Its text never holds the password.</summary>
public sealed record BrokerIdentity(string? Username, string? Password)
{
    public static BrokerIdentity Anonymous { get; } = new(null, null);

    public bool IsAnonymous => Username is null;

    public override string ToString() => Username is null ? "anonymous" : $"user '{Username}'";
}
