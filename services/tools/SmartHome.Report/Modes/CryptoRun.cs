using System.Security.Cryptography;
using SmartHome.Security;

namespace SmartHome.Report.Modes;

/// <summary>The in-process crypto microbenchmark, with the started app's keys when they exist.</summary>
internal static class CryptoRun
{
    public static CryptoBreakdown Run(string keysDirectory, int iterations, ReportResults results, ConsoleProgress progress)
    {
        progress.Line($"Crypto microbenchmark ({iterations} iterations per operation, in-process)...");
        var paths = new KeyPaths(keysDirectory);
        DSA signing;
        DSA verify;
        RSA rsa;
        if (File.Exists(paths.DevicePrivateKey("temp-living")) && File.Exists(paths.ActuatorPrivateKey))
        {
            signing = KeyFiles.LoadDsa(paths.DevicePrivateKey("temp-living"), requirePrivate: true);
            verify = KeyFiles.LoadDsa(paths.DevicePublicKey("temp-living"), requirePrivate: false);
            rsa = KeyFiles.LoadRsa(paths.ActuatorPrivateKey, requirePrivate: true);
        }
        else
        {
            signing = DSA.Create(2048);
            verify = DSA.Create(signing.ExportParameters(false));
            rsa = RSA.Create(2048);
        }

        using (signing)
        using (verify)
        using (rsa)
        {
            var crypto = CryptoBench.Run(signing, verify, rsa, iterations, f => progress.Report("crypto microbenchmark", f));
            var insecure = results.Latency.FirstOrDefault(l => l.Pipeline == "insecure");
            var secure = results.Latency.FirstOrDefault(l => l.Pipeline == "secure");
            var diff = insecure is { Applied: > 0 } && secure is { Applied: > 0 } ? (secure.P50Ms - insecure.P50Ms) * 1000 : (double?)null;
            progress.Line($"Seal + open: {Fmt.Us(crypto.SealPlusOpenUs)} µs mean, {Fmt.Us(crypto.SealPlusOpenP50Us)} µs p50 per message.");
            return crypto with { MeasuredSecureMinusInsecureP50Us = diff };
        }
    }
}
