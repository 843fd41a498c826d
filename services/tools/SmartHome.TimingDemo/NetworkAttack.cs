using System.Net;

namespace SmartHome.TimingDemo;

/// <summary>
/// One attack over loopback TCP from start to end: starts the server the technique needs on a free port (the demo's own
/// "device"), attacks it, and closes both.
/// </summary>
public static class NetworkAttack
{
    public static async Task<AttackRun> RunAsync(AttackConsole console, string name, AttackTechnique technique, ITokenVerifier verifier,
        byte[] secret, RecoveryOptions options, TimeBudget budget)
    {
        ArgumentNullException.ThrowIfNull(console);
        if (technique == AttackTechnique.ResponseOrder)
        {
            using var server = new RaceServer(verifier, secret, IPAddress.Loopback, 0);
            var serving = server.RunAsync();
            AttackRun run;
            using (var oracle = new TimelessOracle(IPAddress.Loopback, server.Endpoint.Port))
            {
                run = console.Run(name, new OrderRecoverer(oracle, options), oracle.Description, technique, options, budget, secret);
            }

            server.Dispose();
            await serving.ConfigureAwait(false);
            return run;
        }
        else
        {
            using var server = new TimingServer(verifier, secret, IPAddress.Loopback, 0);
            var serving = server.RunAsync();
            AttackRun run;
            using (var oracle = new NetworkOracle(IPAddress.Loopback, server.Endpoint.Port))
            {
                run = console.Run(name, new ByteRecoverer(oracle, options), oracle.Description, technique, options, budget, secret);
            }

            server.Dispose();
            await serving.ConfigureAwait(false);
            return run;
        }
    }
}
