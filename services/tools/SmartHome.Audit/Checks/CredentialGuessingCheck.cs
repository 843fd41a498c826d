using System.Diagnostics;
using System.Globalization;
using MQTTnet;

namespace SmartHome.Audit.Checks;

/// <summary>
/// Opt-in (--allow-credential-guessing). First a canary: a random username and password, which no real broker may
/// accept. Then at most --guess-limit pairs from <see cref="WordList"/> at no more than --guess-rate per second, each an
/// MQTT CONNECT. Lockout or throttling is noticed when refusals turn into "server busy"/"connection rate exceeded"/
/// "banned", closed connections, or three answers in a row each over 5× (+ 250 ms) the first ones'.
/// </summary>
public sealed class CredentialGuessingCheck : IAuditCheck
{
    public string Id => "credential-guessing";

    public string Title => "Credential guessing (bounded word list, bounded rate)";

    public async Task<CheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var outcome = new CheckOutcome(this);
        if (!context.Options.AllowCredentialGuessing)
        {
            return outcome.Skipped("Not run: guessing passwords needs --allow-credential-guessing (it may lock accounts on brokers that lock out).");
        }

        var canaryUser = $"audit-{context.RunId}";
        var canaryPassword = Guid.NewGuid().ToString("N");
        await using (var canary = await ProbeClient.ConnectAsync(context, new BrokerIdentity(canaryUser, canaryPassword), context.ClientId("canary"), cancellationToken).ConfigureAwait(false))
        {
            outcome.Exchange($"CONNECT as random user '{canaryUser}' with a random 32-character password", canary.Answer);
            if (canary.Accepted)
            {
                outcome.Find(Rules.AnyCredentialsAccepted, "A random username and password were accepted: the broker checks no password.", outcome.Evidence);
                return outcome.Done("No authentication: guessing is moot.");
            }

            if (canary.ConnectResult is null)
            {
                return outcome.Error("No CONNACK to the canary login: " + canary.Answer);
            }
        }

        var pairs = WordList.Pairs(context.Options.Identity.Username).Take(context.Options.GuessLimit).ToList();
        var interval = TimeSpan.FromSeconds(1 / context.Options.GuessRatePerSecond);
        var latencies = new List<double>();
        var refusals = new Dictionary<string, int>(StringComparer.Ordinal);
        string? throttled = null;
        var slowInARow = 0;
        var started = Stopwatch.StartNew();
        for (var i = 0; i < pairs.Count; i++)
        {
            var due = interval * i;
            if (started.Elapsed < due)
            {
                await Task.Delay(due - started.Elapsed, cancellationToken).ConfigureAwait(false);
            }

            var (user, password) = pairs[i];
            var watch = Stopwatch.StartNew();
            await using var guess = await ProbeClient.ConnectAsync(context, new BrokerIdentity(user, password), context.ClientId($"guess{i}"), cancellationToken).ConfigureAwait(false);
            var ms = watch.Elapsed.TotalMilliseconds;
            latencies.Add(ms);
            var code = guess.ConnectResult?.ResultCode.ToString() ?? "no CONNACK";
            refusals[code] = refusals.GetValueOrDefault(code) + 1;
            if (guess.Accepted)
            {
                outcome.Exchange($"CONNECT as '{user}' with a word-list password (guess {i + 1})", guess.Answer);
                outcome.Find(Rules.WeakCredentials, $"User '{user}' logs in with a password from the audit's word list (guess {i + 1} of {pairs.Count}).",
                    [outcome.Evidence[^1]]);
                continue;
            }

            if (throttled is null && (IsThrottleAnswer(guess.ConnectResult?.ResultCode) || guess.ConnectResult is null))
            {
                throttled = $"guess {i + 1}: {guess.Answer}";
            }

            // A tarpit slows every answer from some point on; one slow answer on a busy machine is not one.
            slowInARow = latencies.Count > 3 && ms > 5 * Median(latencies.Take(3)) + 250 ? slowInARow + 1 : 0;
            if (throttled is null && slowInARow >= 3)
            {
                throttled = string.Create(CultureInfo.InvariantCulture,
                    $"guesses {i - 1}..{i + 1} each answered in more than 5× the first ones' {Median(latencies.Take(3)):F0} ms (last {ms:F0} ms)");
            }
        }

        var rate = pairs.Count / Math.Max(started.Elapsed.TotalSeconds, 0.001);
        outcome.Exchange(
            string.Create(CultureInfo.InvariantCulture, $"{pairs.Count} CONNECTs with word-list pairs at ≤ {context.Options.GuessRatePerSecond:0.##}/s (users: {string.Join(", ", pairs.Select(p => p.User).Distinct())})"),
            string.Create(CultureInfo.InvariantCulture, $"answers: {string.Join(", ", refusals.Select(r => $"{r.Key} ×{r.Value}"))}; median {Median(latencies):F0} ms, max {latencies.DefaultIfEmpty(0).Max():F0} ms; {rate:F1} guesses/s achieved"));

        if (throttled is not null)
        {
            outcome.Exchange("(lockout or throttling)", throttled);
            return outcome.Done($"Guessing was slowed or stopped by the broker ({throttled}).");
        }

        outcome.Find(Rules.NoLoginThrottling, string.Create(CultureInfo.InvariantCulture,
            $"{pairs.Count} wrong logins in {started.Elapsed.TotalSeconds:F1} s were all answered promptly; nothing slowed or locked them out."),
            [outcome.Evidence[^1]]);
        return outcome.Done("No lockout or throttling noticed.");
    }

    private static bool IsThrottleAnswer(MqttClientConnectResultCode? code) => code is MqttClientConnectResultCode.ServerBusy
        or MqttClientConnectResultCode.ConnectionRateExceeded or MqttClientConnectResultCode.Banned or MqttClientConnectResultCode.QuotaExceeded
        or MqttClientConnectResultCode.ServerUnavailable;

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count == 0 ? 0 : sorted[sorted.Count / 2];
    }
}
