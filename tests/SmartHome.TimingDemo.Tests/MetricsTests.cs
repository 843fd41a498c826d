using System.Diagnostics.Metrics;

namespace SmartHome.TimingDemo.Tests;

public class MetricsTests
{
    [Fact]
    public void Oracle_records_verify_duration_tagged_by_verifier_and_true_prefix()
    {
        var secret = Convert.FromHexString("3e17ba96ae04cd3b99869e56f0adbf3a");
        var seen = new List<(string Verifier, int Prefix)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "SmartHome" && instrument.Name == TimingMetrics.VerifyDurationName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            string? verifier = null;
            var prefix = -1;
            foreach (var t in tags)
            {
                if (t.Key == TimingMetrics.VerifierTag)
                {
                    verifier = (string?)t.Value;
                }
                else if (t.Key == TimingMetrics.PrefixTag)
                {
                    prefix = (int)t.Value!;
                }
            }

            lock (seen)
            {
                seen.Add((verifier!, prefix));
            }
        });
        listener.Start();

        new InProcessOracle(new VulnerableVerifier(secret), 1, secret).Query(PrefixSweep.TokenWithPrefix(secret, 5));
        new InProcessOracle(new ConstantTimeVerifier(secret), 1, secret).Query(secret);

        lock (seen)
        {
            Assert.Contains(("vulnerable", 5), seen);
            Assert.Contains(("constant-time", 16), seen);
        }
    }
}
