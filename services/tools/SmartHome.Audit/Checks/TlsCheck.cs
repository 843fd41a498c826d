using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace SmartHome.Audit.Checks;

/// <summary>
/// TLS on the audited port: offered or not, which protocol versions the broker accepts, and the certificate's chain
/// (against --ca, else the system roots), hostname and validity period. Handshakes only; no MQTT is sent.
/// </summary>
public sealed class TlsCheck(TimeProvider? time = null) : IAuditCheck
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ExpiryWarning = TimeSpan.FromDays(30);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public string Id => "tls";

    public string Title => "TLS: offered, protocol versions, certificate chain, hostname, expiry";

    public async Task<CheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var outcome = new CheckOutcome(this);
        var first = await HandshakeAsync(context, SslProtocols.None, cancellationToken).ConfigureAwait(false);
        outcome.Exchange($"TLS ClientHello (SNI {context.Broker.Host}, system default versions) to {context.Address}:{context.Broker.Port}", first.Answer);
        if (first.Certificate is null)
        {
            if (!context.Broker.Tls)
            {
                outcome.Find(Rules.TlsNotOffered, $"{context.Broker} speaks no TLS: clients' passwords and readings cross the network in clear.", outcome.Evidence);
                return outcome.Done("No TLS on this listener.");
            }

            return outcome.Error("The mqtts:// listener completed no TLS handshake: " + first.Answer);
        }

        using var certificate = first.Certificate;
        if (!context.Broker.Tls)
        {
            outcome.Exchange("(observation)", "The port speaks TLS although the URI says mqtt://; the checks below judge its certificate.");
        }

        foreach (var (protocol, name) in LegacyProtocols())
        {
            var legacy = await HandshakeAsync(context, protocol, cancellationToken).ConfigureAwait(false);
            legacy.Certificate?.Dispose();
            outcome.Exchange($"TLS ClientHello offering only {name}", legacy.Certificate is not null
                ? $"handshake completed with {legacy.Protocol}"
                : RefusedLocally(legacy.Answer)
                    ? $"not tested: this machine's TLS library will not offer {name} ({legacy.Answer})"
                    : "refused by the broker: " + legacy.Answer);
            if (legacy.Certificate is not null)
            {
                outcome.Find(Rules.TlsLegacyProtocol, $"The broker completed a {name} handshake.", [outcome.Evidence[^1]]);
            }
        }

        var tls13 = await HandshakeAsync(context, SslProtocols.Tls13, cancellationToken).ConfigureAwait(false);
        tls13.Certificate?.Dispose();
        outcome.Exchange("TLS ClientHello offering only TLS 1.3", tls13.Certificate is not null ? "handshake completed" : "refused: " + tls13.Answer);

        JudgeCertificate(context, certificate, first.PresentedChain, outcome);
        return outcome.Done(string.Create(CultureInfo.InvariantCulture,
            $"TLS offered ({first.Protocol}); certificate {certificate.Subject}, valid until {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}."));
    }

    private void JudgeCertificate(AuditContext context, X509Certificate2 certificate, IReadOnlyList<X509Certificate2> presented, CheckOutcome outcome)
    {
        var described = string.Create(CultureInfo.InvariantCulture,
            $"subject {certificate.Subject}; issuer {certificate.Issuer}; valid {certificate.NotBefore.ToUniversalTime():yyyy-MM-dd}..{certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}; SHA-256 {certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)}");
        outcome.Exchange("(server certificate)", described);

        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = _time.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.ExtraStore.AddRange(presented.ToArray());
        X509Certificate2Collection? anchors = null;
        var trust = "the system's trust store";
        if (context.Options.CaFile is { } caFile)
        {
            anchors = new X509Certificate2Collection();
            anchors.ImportFromPemFile(caFile);
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
            trust = $"--ca {Path.GetFileName(caFile)}";
        }

        try
        {
            var valid = chain.Build(certificate);
            var problems = chain.ChainStatus.Where(s => s.Status != X509ChainStatusFlags.NoError).ToList();
            var untrusted = problems.Where(s => s.Status is not (X509ChainStatusFlags.NotTimeValid or X509ChainStatusFlags.NotTimeNested)).ToList();
            var chainText = valid ? $"chain builds to a trusted root ({trust})" : "chain does not validate: " + string.Join("; ", problems.Select(p => $"{p.Status} ({p.StatusInformation.Trim()})"));
            outcome.Exchange($"X509 chain of the presented certificates against {trust}", chainText);
            if (!valid && untrusted.Count > 0)
            {
                outcome.Find(Rules.TlsUntrustedChain, $"The broker's certificate does not validate against {trust}.", [outcome.Evidence[^1]]);
            }
        }
        finally
        {
            if (anchors is not null)
            {
                foreach (var anchor in anchors)
                {
                    anchor.Dispose();
                }
            }
        }

        var matches = certificate.MatchesHostname(context.Broker.Host, allowWildcards: true, allowCommonName: true);
        outcome.Exchange($"hostname '{context.Broker.Host}' against the certificate's names", matches ? "matches" : "does not match");
        if (!matches)
        {
            outcome.Find(Rules.TlsHostnameMismatch, $"The certificate does not name '{context.Broker.Host}'.", [outcome.Evidence[^1]]);
        }

        var now = _time.GetUtcNow().UtcDateTime;
        var notAfter = certificate.NotAfter.ToUniversalTime();
        if (now > notAfter || now < certificate.NotBefore.ToUniversalTime())
        {
            outcome.Find(Rules.TlsExpired, string.Create(CultureInfo.InvariantCulture, $"The certificate is not valid now ({now:yyyy-MM-dd}): {described}."), [outcome.Evidence.First(e => e.Sent == "(server certificate)")]);
        }
        else if (notAfter - now < ExpiryWarning)
        {
            outcome.Find(Rules.TlsExpiresSoon, string.Create(CultureInfo.InvariantCulture, $"The certificate expires on {notAfter:yyyy-MM-dd}, in {(notAfter - now).TotalDays:F0} days."),
                [outcome.Evidence.First(e => e.Sent == "(server certificate)")]);
        }
    }

    /// <summary>OpenSSL's answers when its own policy (security level, MinProtocol) forbids the version before anything is sent.</summary>
    private static bool RefusedLocally(string answer) =>
        answer.Contains("no ciphers available", StringComparison.OrdinalIgnoreCase) || answer.Contains("no protocols available", StringComparison.OrdinalIgnoreCase);

#pragma warning disable SYSLIB0039 // TLS 1.0 and 1.1 are offered on purpose: the check asks whether the broker still accepts them.
    private static IEnumerable<(SslProtocols Protocol, string Name)> LegacyProtocols() =>
        [(SslProtocols.Tls, "TLS 1.0"), (SslProtocols.Tls11, "TLS 1.1")];
#pragma warning restore SYSLIB0039

    private sealed record Handshake(string Answer, X509Certificate2? Certificate, IReadOnlyList<X509Certificate2> PresentedChain, SslProtocols Protocol);

    private static async Task<Handshake> HandshakeAsync(AuditContext context, SslProtocols protocols, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HandshakeTimeout);
        X509Certificate2? captured = null;
        var presented = new List<X509Certificate2>();
        try
        {
            using var tcp = new TcpClient(context.Address.AddressFamily);
            await tcp.ConnectAsync(context.Address, context.Broker.Port, timeout.Token).ConfigureAwait(false);
            await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = context.Broker.Host,
                EnabledSslProtocols = protocols,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = (_, cert, chain, _) =>
                {
                    if (cert is not null)
                    {
                        captured = new X509Certificate2(cert);
                    }

                    if (chain is not null)
                    {
                        presented.AddRange(chain.ChainElements.Skip(1).Select(e => new X509Certificate2(e.Certificate)));
                    }

                    // Accepted only to look at it: nothing but this handshake travels over the connection.
                    return true;
                },
            }, timeout.Token).ConfigureAwait(false);
            var answer = string.Create(CultureInfo.InvariantCulture, $"handshake completed: {ssl.SslProtocol}, {ssl.NegotiatedCipherSuite}");
            return new Handshake(answer, captured, presented, ssl.SslProtocol);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or SocketException or OperationCanceledException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            captured?.Dispose();
            return new Handshake($"no handshake: {ex.GetBaseException().Message}", null, [], SslProtocols.None);
        }
    }
}
