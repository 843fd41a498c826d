namespace SmartHome.Contracts;

/// <summary>What a sustained flood sends (the <c>mix</c> of <c>POST /flood</c>).</summary>
public static class FloodKinds
{
    /// <summary>Secure: envelope-shaped data with the observed key id, fresh counters and a random signature; insecure: a forged reading.</summary>
    public const string Forged = "forged";

    /// <summary>Random bytes.</summary>
    public const string Malformed = "malformed";

    /// <summary>One byte over the actuator's limit (secure: envelope 4 KiB; insecure: reading 1 KiB).</summary>
    public const string Oversized = "oversized";

    /// <summary>A captured legit message, re-sent byte for byte.</summary>
    public const string Replay = "replay";

    public static readonly IReadOnlyList<string> All = [Forged, Malformed, Oversized, Replay];
}
