namespace SmartHome.Audit;

/// <summary>
/// Every kind of finding the audit reports. Impacts name the attacks of the lab's catalogue
/// (services/apps/SmartHome.Attacker, <c>Attacks</c>) that the problem opens; fixes are Mosquitto 2.0 configuration lines.
/// </summary>
public static class Rules
{
    public static readonly AuditRule AnonymousAccess = new(
        "anonymous-access",
        "Anonymous clients are accepted",
        Severity.High,
        "Anyone who reaches the port is a client. Insecure pipeline: an outsider subscribes to smarthome/# and reads every " +
        "reading (eavesdrop, wildcard-subscribe) and publishes forged, altered or replayed readings the actuator applies " +
        "(inject, tamper, replay). Secure pipeline: the envelope still stops inject, tamper and replay at the signature, GCM " +
        "tag and replay window, but an outsider can flood the actuator and read the sealed messages' metadata.",
        ["eavesdrop", "wildcard-subscribe", "inject", "tamper", "replay", "flood"],
        "allow_anonymous false\npassword_file /etc/mosquitto/passwd");

    public static readonly AuditRule TlsNotOffered = new(
        "tls-not-offered",
        "No TLS on the broker's listener",
        Severity.High,
        "Readings, usernames and passwords cross the network in clear. Insecure pipeline: a passive listener reads every " +
        "reading (eavesdrop). Secure pipeline: the broker passwords of every device can be sniffed, which makes a network " +
        "observer an insider without credential guessing, and an active man in the middle can strip or rewrite traffic (downgrade).",
        ["eavesdrop", "downgrade", "credential-guessing"],
        "listener 8883\ncafile /etc/mosquitto/certs/ca.crt\ncertfile /etc/mosquitto/certs/server.crt\nkeyfile /etc/mosquitto/certs/server.key\ntls_version tlsv1.2");

    public static readonly AuditRule TlsLegacyProtocol = new(
        "tls-legacy-protocol",
        "TLS 1.0 or 1.1 is accepted",
        Severity.Medium,
        "A man in the middle can force a weak protocol version and attack the session (downgrade); sniffed passwords make " +
        "the attacker an insider on the secure pipeline.",
        ["downgrade"],
        "tls_version tlsv1.2");

    public static readonly AuditRule TlsUntrustedChain = new(
        "tls-untrusted-chain",
        "The certificate does not chain to the CA clients are given",
        Severity.High,
        "Clients either fail to connect or are configured to skip verification; then a man in the middle terminates TLS, " +
        "reads every reading and password (eavesdrop) and plays the compromised broker (downgrade, replay, key-substitution " +
        "attempts against the secure pipeline).",
        ["eavesdrop", "downgrade", "replay", "key-substitution"],
        "certfile /etc/mosquitto/certs/server.crt   # issued by the CA in the clients' cafile\ncafile /etc/mosquitto/certs/ca.crt");

    public static readonly AuditRule TlsHostnameMismatch = new(
        "tls-hostname-mismatch",
        "The certificate does not name the broker's host",
        Severity.High,
        "Clients that check hostnames refuse it, so they get configured not to check; then any certificate from the same CA " +
        "passes and a man in the middle reads and rewrites traffic (eavesdrop, downgrade).",
        ["eavesdrop", "downgrade"],
        "certfile /etc/mosquitto/certs/server.crt   # subjectAltName = DNS:<the host clients connect to>");

    public static readonly AuditRule TlsExpired = new(
        "tls-expired",
        "The certificate is expired or not yet valid",
        Severity.High,
        "Every verifying client is refused; the usual workaround, turning verification off, opens the man in the middle " +
        "(eavesdrop, downgrade).",
        ["eavesdrop", "downgrade"],
        "certfile /etc/mosquitto/certs/server.crt   # renewed; reload with `systemctl reload mosquitto`");

    public static readonly AuditRule TlsExpiresSoon = new(
        "tls-expires-soon",
        "The certificate expires within 30 days",
        Severity.Low,
        "When it expires every verifying client is refused (the pipelines stop), and verification tends to get switched off.",
        ["downgrade"],
        "certfile /etc/mosquitto/certs/server.crt   # renew before it expires");

    public static readonly AuditRule PlaintextListener = new(
        "plaintext-listener",
        "A plaintext MQTT listener runs beside TLS",
        Severity.Medium,
        "A client pointed at the plaintext port, or pushed there, sends its password and readings in clear (eavesdrop, " +
        "downgrade); if that listener also accepts anonymous clients, every attack an outsider has on an open broker works there.",
        ["downgrade", "eavesdrop"],
        "# remove the plaintext `listener 1883` block, or bind it to loopback only:\nlistener 1883 127.0.0.1");

    public static readonly AuditRule AnyCredentialsAccepted = new(
        "any-credentials-accepted",
        "Any username and password are accepted",
        Severity.High,
        "There is no authentication: a random username and password log in, so credential guessing is unnecessary and every " +
        "outsider is a client (eavesdrop, inject, tamper, replay on the insecure pipeline; flood on the secure one).",
        ["credential-guessing", "eavesdrop", "inject", "flood"],
        "allow_anonymous false\npassword_file /etc/mosquitto/passwd");

    public static readonly AuditRule WeakCredentials = new(
        "weak-credentials",
        "A password from a common word list logs in",
        Severity.Critical,
        "The guessed account is the attacker's: a device account makes it the catalogue's insider (capability-abuse, " +
        "client-id-takeover, flood), an account that reads or writes everything makes it the compromised broker " +
        "(key-substitution, replay, eavesdrop of the insecure pipeline).",
        ["credential-guessing", "capability-abuse", "client-id-takeover", "flood", "replay"],
        "password_file /etc/mosquitto/passwd   # mosquitto_passwd -b /etc/mosquitto/passwd <user> <24 random characters>");

    public static readonly AuditRule NoLoginThrottling = new(
        "no-login-throttling",
        "Failed logins are neither slowed down nor locked out",
        Severity.Low,
        "Online guessing runs at the rate the audit measured, limited only by the network (credential-guessing); only long " +
        "random passwords keep the accounts safe.",
        ["credential-guessing"],
        "# Mosquitto 2.0 has no lockout setting: keep long random passwords in password_file\npassword_file /etc/mosquitto/passwd\n" +
        "# and rate-limit new connections to the port at the firewall");

    public static readonly AuditRule WildcardRead = new(
        "wildcard-read",
        "A subscription to # delivers other clients' messages",
        Severity.High,
        "This identity reads every topic. Insecure pipeline: every reading in clear (eavesdrop, wildcard-subscribe). Secure " +
        "pipeline: sealed readings, key announcements and counters, which is the material for replay and key-substitution attempts.",
        ["eavesdrop", "wildcard-subscribe", "replay", "key-substitution"],
        "acl_file /etc/mosquitto/acl   # user <name> + topic read <only its own topics>; no `topic read #`, no `pattern read #`");

    public static readonly AuditRule SysDisclosure = new(
        "sys-disclosure",
        "$SYS broker information is readable",
        Severity.Low,
        "The broker's version, uptime and client counts help an attacker pick exploits and time attacks (reconnaissance); " +
        "with `log_dest topic` the $SYS/broker/log also names client ids and users (client-id-takeover, credential-guessing).",
        ["client-id-takeover", "credential-guessing"],
        "acl_file /etc/mosquitto/acl   # grant `topic read $SYS/#` to no client account");

    public static readonly AuditRule RetainedDisclosure = new(
        "retained-disclosure",
        "Retained messages of other clients are readable",
        Severity.Medium,
        "Every new subscriber gets the last retained message of each topic at once: the last reading of each device without " +
        "waiting for traffic (eavesdrop), and the payloads to re-send (replay).",
        ["eavesdrop", "replay"],
        "acl_file /etc/mosquitto/acl   # topic read only for the accounts that need it; devices publish with retain off");

    public static readonly AuditRule PublishOutsideOwnTopics = new(
        "publish-outside-own-topics",
        "Publishing to a topic nobody granted is accepted",
        Severity.High,
        "This identity writes topics it does not own. Insecure pipeline: forged and altered readings on " +
        "smarthome/readings/<device> are applied (inject, tamper, replay). Secure pipeline: forgeries reach the actuator and " +
        "are stopped only by the envelope (signature, GCM tag, replay window), and floods cost it verification work.",
        ["inject", "tamper", "replay", "flood", "capability-abuse"],
        "acl_file /etc/mosquitto/acl   # user <device> + topic write smarthome/readings/<device> (its own topics only)");

    public static readonly AuditRule RetainedWrite = new(
        "retained-write",
        "Retained messages can be planted on a topic nobody granted",
        Severity.Medium,
        "A planted retained message is handed to every subscriber that connects later, e.g. a forged reading the actuator " +
        "gets at each restart (retained-poisoning).",
        ["retained-poisoning"],
        "acl_file /etc/mosquitto/acl   # write rights only on own topics\nretain_available false   # where no client needs retained messages");

    public static readonly AuditRule ClientIdTakeover = new(
        "client-id-takeover",
        "A client can claim another connection's client id",
        Severity.Medium,
        "Connecting with a device's client id disconnects the device (client-id-takeover), again and again; with persistent " +
        "sessions the attacker also receives what was queued for it.",
        ["client-id-takeover", "flood"],
        "use_username_as_clientid true");

    public static readonly AuditRule OversizedPayload = new(
        "oversized-payload",
        "Oversized publishes are accepted",
        Severity.Medium,
        "The broker accepts and forwards very large messages: the actuator must read each one before rejecting it " +
        "(oversized), and a few clients can exhaust broker memory and bandwidth (flood).",
        ["oversized", "flood"],
        "max_packet_size 65536");

    public static readonly AuditRule SessionLeakage = new(
        "session-leakage",
        "Another client resumes a persistent session by its client id",
        Severity.High,
        "A client that knows or guesses a client id gets that session's subscriptions and the messages queued while the " +
        "owner was offline, e.g. the readings queued for a stopped actuator (eavesdrop, client-id-takeover).",
        ["eavesdrop", "client-id-takeover"],
        "use_username_as_clientid true");

    public static IReadOnlyList<AuditRule> All { get; } =
    [
        AnonymousAccess, TlsNotOffered, TlsLegacyProtocol, TlsUntrustedChain, TlsHostnameMismatch, TlsExpired, TlsExpiresSoon,
        PlaintextListener, AnyCredentialsAccepted, WeakCredentials, NoLoginThrottling, WildcardRead, SysDisclosure,
        RetainedDisclosure, PublishOutsideOwnTopics, RetainedWrite, ClientIdTakeover, OversizedPayload, SessionLeakage,
    ];
}
