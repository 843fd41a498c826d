namespace SmartHome.Audit;

/// <summary>Everything one audit run needs; <see cref="Validate"/> names every bad value before anything is contacted.</summary>
public sealed record AuditOptions
{
    public const int MaxGuessAttempts = 200;

    public required BrokerAddress Broker { get; init; }

    /// <summary>PEM CA certificate the broker's certificate must chain to; null: the system's trust store.</summary>
    public string? CaFile { get; init; }

    public BrokerIdentity Identity { get; init; } = BrokerIdentity.Anonymous;

    /// <summary>A second login for the checks that need two identities (client-id takeover, session leakage).</summary>
    public BrokerIdentity? SecondIdentity { get; init; }

    /// <summary>Plaintext port probed beside a TLS listener; 0 skips that check.</summary>
    public int PlaintextPort { get; init; } = 1883;

    public bool AllowCredentialGuessing { get; init; }

    public bool AllowTakeover { get; init; }

    /// <summary>At most this many guesses (each one CONNECT).</summary>
    public int GuessLimit { get; init; } = 20;

    /// <summary>Guesses per second, at most.</summary>
    public double GuessRatePerSecond { get; init; } = 5;

    /// <summary>How long subscriptions listen for other clients' messages.</summary>
    public TimeSpan ListenTime { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Payload of the one oversized publish.</summary>
    public int OversizeBytes { get; init; } = 1024 * 1024;

    /// <summary>No check runs longer than this; the audit then records it as an error and goes on.</summary>
    public TimeSpan CheckTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Root of the audit's own probe topics; the run id is appended.</summary>
    public string ProbeTopicPrefix { get; init; } = "smarthome-audit";

    /// <summary>Messages a subscription keeps as evidence, at most.</summary>
    public int MaxMessages { get; init; } = 200;

    /// <summary>Problems with these options, one sentence each; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Broker.Port is < 1 or > 65535)
        {
            errors.Add($"Broker port {Broker.Port} is not a TCP port (1..65535).");
        }

        if (CaFile is not null && !File.Exists(CaFile))
        {
            errors.Add($"--ca '{CaFile}' does not exist.");
        }

        if (CaFile is not null && !Broker.Tls)
        {
            errors.Add("--ca needs an mqtts:// broker URI.");
        }

        if (Identity.Username is { Length: 0 } || Identity.Password is not null && Identity.Username is null)
        {
            errors.Add("A password needs a --username.");
        }

        if (SecondIdentity is { Username: null or { Length: 0 } })
        {
            errors.Add("--second-password-file needs --second-username.");
        }

        if (PlaintextPort is < 0 or > 65535)
        {
            errors.Add($"--plaintext-port {PlaintextPort} is not a TCP port (0 skips the check).");
        }

        if (GuessLimit is < 1 or > MaxGuessAttempts)
        {
            errors.Add($"--guess-limit {GuessLimit} is outside 1..{MaxGuessAttempts}.");
        }

        if (GuessRatePerSecond is < 0.1 or > 20 || double.IsNaN(GuessRatePerSecond))
        {
            errors.Add($"--guess-rate {GuessRatePerSecond} is outside 0.1..20 per second.");
        }

        if (ListenTime < TimeSpan.FromMilliseconds(500) || ListenTime > TimeSpan.FromSeconds(30))
        {
            errors.Add($"--listen-seconds {ListenTime.TotalSeconds} is outside 0.5..30.");
        }

        if (OversizeBytes is < 1024 or > 16 * 1024 * 1024)
        {
            errors.Add($"--oversize-bytes {OversizeBytes} is outside 1 KiB..16 MiB.");
        }

        if (CheckTimeout < TimeSpan.FromSeconds(5) || CheckTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"--check-timeout {CheckTimeout.TotalSeconds} is outside 5..300 seconds.");
        }

        if (string.IsNullOrWhiteSpace(ProbeTopicPrefix) || ProbeTopicPrefix.IndexOfAny(['#', '+', '\0']) >= 0 || ProbeTopicPrefix.StartsWith('$'))
        {
            errors.Add($"--probe-prefix '{ProbeTopicPrefix}' must be a plain topic level (no wildcards, not $-prefixed).");
        }

        if (MaxMessages is < 1 or > 10_000)
        {
            errors.Add($"MaxMessages {MaxMessages} is outside 1..10000.");
        }

        return errors;
    }
}
